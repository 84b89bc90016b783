"""The security team creates and edits initiatives; nobody else can."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from objectives.models import Initiative
from tests import factories

pytestmark = pytest.mark.django_db


def form_data(objective: Any, owner: Any, **overrides: str) -> dict[str, Any]:
    data = {
        "objective": objective.pk,
        "title": "EDR on all laptops",
        "owner": owner.pk,
        "status": "planned",
        "start_date": "2027-01-01",
        "end_date": "2027-06-30",
        "budget": "48000.00",
    }
    return {**data, **overrides}


def test_ciso_creates_an_initiative(client: Any, ciso: Any) -> None:
    objective = factories.ObjectiveFactory()
    client.force_login(ciso)
    response = client.post(reverse("objectives:initiative-create"), form_data(objective, ciso))
    initiative = Initiative.objects.get()
    assert response.status_code == 302 and response["Location"] == initiative.get_absolute_url()
    assert initiative.budget == Decimal("48000.00")


def test_end_before_start_is_refused_with_a_message(client: Any, ciso: Any) -> None:
    objective = factories.ObjectiveFactory()
    client.force_login(ciso)
    data = form_data(objective, ciso, end_date="2026-12-01")
    response = client.post(reverse("objectives:initiative-create"), data)
    assert response.status_code == 422  # an invalid form, in place
    assert "The end date cannot be before the start date." in response.text
    assert not Initiative.objects.exists()


def test_negative_budget_is_refused(client: Any, ciso: Any) -> None:
    objective = factories.ObjectiveFactory()
    client.force_login(ciso)
    response = client.post(
        reverse("objectives:initiative-create"), form_data(objective, ciso, budget="-5")
    )
    assert response.status_code == 422  # an invalid form, in place
    assert "greater than or equal to 0" in response.text
    assert not Initiative.objects.exists()


def test_ciso_edits_an_initiative(client: Any, ciso: Any) -> None:
    initiative = factories.InitiativeFactory(owner=ciso)
    client.force_login(ciso)
    url = reverse("objectives:initiative-edit", args=[initiative.pk])
    data = form_data(initiative.objective, ciso, title="Renamed")
    response = client.post(url, data | {"version": initiative.version})
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Renamed"


def test_an_edit_posted_without_its_version_is_refused(client: Any, ciso: Any) -> None:
    """Leaving out the hidden version would skip the stale-save check: refused."""
    initiative = factories.InitiativeFactory(owner=ciso, title="Original")
    client.force_login(ciso)
    url = reverse("objectives:initiative-edit", args=[initiative.pk])
    response = client.post(url, form_data(initiative.objective, ciso, title="Renamed"))
    assert response.status_code == 422
    assert "without the version it was based on" in response.text
    initiative.refresh_from_db()
    assert initiative.title == "Original"


@pytest.mark.parametrize("who", ["head_a", "executive"])
def test_others_cannot_create_or_edit(client: Any, who: str, request: Any) -> None:
    user = request.getfixturevalue(who)
    initiative = factories.InitiativeFactory(title="Original")
    client.force_login(user)
    data = form_data(initiative.objective, user, title="Hijacked")
    assert client.post(reverse("objectives:initiative-create"), data).status_code == 403
    edit = reverse("objectives:initiative-edit", args=[initiative.pk])
    assert client.post(edit, data).status_code == 403
    initiative.refresh_from_db()
    assert initiative.title == "Original"
    assert Initiative.objects.count() == 1
