"""The CISO's security objectives, the initiatives that carry them out, and the measures
(key results) that say whether they work."""

from __future__ import annotations

from objectives.models.measures import (
    Cadence,
    Computation,
    Direction,
    Measure,
    MeasureQuerySet,
    MeasureStatus,
    Sample,
    SampleSource,
    get_measure_for,
)
from objectives.models.programme import (
    Initiative,
    InitiativeQuerySet,
    InitiativeStatus,
    ObjectiveStatus,
    Pillar,
    SecurityObjective,
    SecurityObjectiveQuerySet,
    counted,
    get_initiative_for,
    get_objective_for,
    move_in_order,
)

__all__ = [
    "Cadence",
    "Computation",
    "Direction",
    "Initiative",
    "InitiativeQuerySet",
    "InitiativeStatus",
    "Measure",
    "MeasureQuerySet",
    "MeasureStatus",
    "ObjectiveStatus",
    "Pillar",
    "Sample",
    "SampleSource",
    "SecurityObjective",
    "SecurityObjectiveQuerySet",
    "counted",
    "get_initiative_for",
    "get_measure_for",
    "get_objective_for",
    "move_in_order",
]
