"""Role questions asked for many users at once (`roles.remember`) get the answers asking
one by one would, in three queries however many users."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments import roles

pytestmark = pytest.mark.django_db


def answers(user: User) -> tuple[bool, bool, frozenset[int], frozenset[int]]:
    return (
        roles.is_ciso(user),
        roles.is_executive(user),
        roles.headed_department_ids(user),
        roles.member_department_ids(user),
    )


def test_remembered_roles_are_those_asked_one_by_one(
    ciso: Any, executive: Any, head_a: Any, dept_a: Any, dept_b: Any, outsider: Any
) -> None:
    dept_b.key_leaders.add(head_a)
    people = [ciso, executive, head_a, dept_b.head, outsider]
    one_by_one = [answers(User.objects.get(pk=p.pk)) for p in people]

    fresh = [User.objects.get(pk=p.pk) for p in people]
    with CaptureQueriesContext(connection) as queries:
        roles.remember(fresh)
    assert len(queries.captured_queries) == 3
    with CaptureQueriesContext(connection) as queries:
        remembered = [answers(user) for user in fresh]
    assert len(queries.captured_queries) == 0
    assert remembered == one_by_one
    assert remembered[2][2:] == (frozenset({dept_a.pk}), frozenset({dept_a.pk, dept_b.pk}))
