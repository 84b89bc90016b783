"""Fixtures shared by the alignment tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.alignment.matrix_scene import Scene, build_scene


@pytest.fixture
def scene(dept_a: Any, dept_b: Any) -> Scene:
    return build_scene(dept_a, dept_b)
