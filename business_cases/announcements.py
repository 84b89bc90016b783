"""What business cases announce to the apps above them: a case was submitted, decided.

business_cases may not import (nor name) the app that owns emails. So the workflow
(business_cases/services.py) announces each step here, inside its transaction, and
whoever cares subscribes at start-up: alignment turns the announcements into outbox
rows (AlignmentConfig.ready()). A listener that raises rolls the step back with it, so a
submission never commits without its emails. Without listeners, announcing does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from business_cases.models import BusinessCase, CaseDecision

SubmittedListener = Callable[["BusinessCase"], object]
DecidedListener = Callable[["CaseDecision"], object]

_submitted: list[SubmittedListener] = []
_decided: list[DecidedListener] = []


def subscribe(
    *, submitted: SubmittedListener | None = None, decided: DecidedListener | None = None
) -> None:
    """Called once per listening app at start-up; subscribing twice is harmless."""
    if submitted is not None and submitted not in _submitted:
        _submitted.append(submitted)
    if decided is not None and decided not in _decided:
        _decided.append(decided)


def case_submitted(case: BusinessCase) -> None:
    for listener in _submitted:
        listener(case)


def case_decided(decision: CaseDecision) -> None:
    for listener in _decided:
        listener(decision)
