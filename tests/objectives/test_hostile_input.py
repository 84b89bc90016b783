"""Hostile input on the programme's forms, as the security team: a clear refusal, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from objectives.models import Measure, Sample, SecurityObjective
from tests import factories

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    str(2**64),
    "0x10",
    "<script>alert(1)</script>",
    "'; DROP TABLE objectives_measure; --",
    "\x00",
    "🙂" * 300,
]


def test_no_value_in_any_field_of_the_programme_forms_answers_500(client: Any, ciso: Any) -> None:
    objective = factories.ObjectiveFactory()
    measure = factories.MeasureFactory(objective=objective)
    client.force_login(ciso)
    forms = {
        reverse("objectives:objective-create"): ["title", "pillar", "owner", "business_goals"],
        reverse("objectives:objective-edit", args=[objective.pk]): ["version", "status"],
        reverse("objectives:objective-retire", args=[objective.pk]): ["version"],
        reverse("objectives:measure-create", args=[objective.pk]): [
            "baseline",
            "target",
            "amber",
            "red",
            "stretch",
            "direction",
            "cadence",
            "computation",
            "goals",
        ],
        reverse("objectives:measure-edit", args=[measure.pk]): ["version", "title"],
        reverse("objectives:sample-create", args=[measure.pk]): ["date", "value"],
    }
    before = (SecurityObjective.objects.count(), Measure.objects.count(), Sample.objects.count())
    for url, fields in forms.items():
        for field in fields:
            for value in NASTY:
                response = client.post(url, {field: value})
                assert response.status_code < 500, (url, field, value)
    for direction in ["sideways", "up" * 200]:
        url = reverse("objectives:objective-move", args=[objective.pk, direction])
        assert client.post(url).status_code == 404
    after = (SecurityObjective.objects.count(), Measure.objects.count(), Sample.objects.count())
    assert after == before
