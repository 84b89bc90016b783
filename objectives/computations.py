"""Samples of measures: typed in (`record_sample`) or computed from the product's data.

The figures behind a computed measure (goal coverage, conflicts, friction, meetings…) live
in apps above this one, which may not be imported here. So this module keeps a registry:
alignment registers one function per `Computation` at start-up (AlignmentConfig.ready())
and `take_samples`, which beat runs daily, asks it for every computed measure whose
period has no sample yet. Without a registered function a measure is simply skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from objectives.models import Measure, Sample, SampleSource
from objectives.models.measures import period_start

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

Computer = Callable[[], Decimal]
_computers: dict[str, Computer] = {}


def register(name: str, computer: Computer) -> None:
    """Called by the app that owns the figure; registering twice replaces."""
    _computers[name] = computer


def compute(name: str) -> Decimal | None:
    """The figure now, or None when nothing computes it."""
    computer = _computers.get(name)
    return None if computer is None else computer()


def record_sample(sample: Sample, *, measure: Measure, author: User | None) -> Sample:
    """Save a typed-in sample (dated today or earlier) in its measure's period."""
    sample.measure = measure
    sample.author = author
    sample.source = SampleSource.MANUAL
    sample.period = period_start(sample.date, measure.cadence)
    sample.full_clean(exclude={"measure", "author"})
    sample.save()
    return sample


def take_samples(*, today: dt.date | None = None) -> int:
    """One computed sample per computed measure for the current period; idempotent.

    A sample already taken for the period is kept (the unique constraint makes a second
    run, or a second worker racing this one, insert nothing). Returns how many were taken.
    """
    today = today or timezone.localdate()
    taken = 0
    for measure in Measure.objects.computed().order_by("pk"):
        period = period_start(today, measure.cadence)
        if measure.samples.filter(source=SampleSource.COMPUTED, period=period).exists():
            continue
        value = compute(measure.computation)
        if value is None:
            log.warning("no computation registered for %s", measure.computation)
            continue
        try:
            with transaction.atomic():
                Sample.objects.create(
                    measure=measure,
                    date=today,
                    period=period,
                    value=value.quantize(Decimal("0.01")),
                    source=SampleSource.COMPUTED,
                    comment="Computed by the app.",
                )
        except IntegrityError:
            continue  # another run took this period's sample first: keep theirs
        taken += 1
    return taken
