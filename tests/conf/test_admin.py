"""Every model in the admin: its list (with search) and its add page answer the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"departments", "objectives", "business_cases", "alignment"}
MODELS = sorted(
    (m._meta.app_label, m._meta.model_name)
    for m in admin.site._registry
    if m._meta.app_label in PROJECT_APPS
)


def test_every_project_model_is_in_the_admin() -> None:
    """Registered on its own, or edited inline on its parent's page."""
    from django.apps import apps

    inline = {i.model for model_admin in admin.site._registry.values() for i in model_admin.inlines}
    missing = [
        m._meta.label
        for label in PROJECT_APPS
        for m in apps.get_app_config(label).get_models()
        if m not in admin.site._registry
        and m not in inline
        and not m._meta.object_name.startswith("Historical")
    ]
    assert missing == []


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_admin_list_and_add_pages_answer(
    client: Any, admin_user: Any, app: str, model: str
) -> None:
    client.force_login(admin_user)
    listing = client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "x"})
    assert listing.status_code == 200
    add = client.get(reverse(f"admin:{app}_{model}_add"))
    assert add.status_code in (200, 403)
