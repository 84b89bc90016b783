"""The editor's POST data, built the way the browser sends it."""

from __future__ import annotations

from typing import Any

from business_cases.models import BusinessCase

CASE_FIELDS = {
    "title": "SSO + MFA for everyone",
    "summary": "Cut account takeovers.",
    "horizon_years": "3",
    "discount_rate": "10",
    "user_benefits": "One login instead of six.",
}


def formset(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = "" if value is None else str(value)
    return data


def editor_data(
    case: BusinessCase,
    *,
    costs: list[dict[str, Any]] | None = None,
    scenarios: list[dict[str, Any]] | None = None,
    benefits: list[dict[str, Any]] | None = None,
    impacts: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, str]:
    """A full editor POST for `case`: its version, the case fields and four formsets.

    Existing lines must be listed first, with their `id`, as the page renders them.
    """
    data = {**CASE_FIELDS, "version": str(case.version), **{k: str(v) for k, v in fields.items()}}
    manual_costs = case.cost_lines.filter(source_department__isnull=True).count()
    data |= formset("costs", costs or [], initial=manual_costs)
    data |= formset("scenarios", scenarios or [], initial=case.scenarios.count())
    data |= formset("benefits", benefits or [], initial=case.benefit_lines.count())
    data |= formset("impacts", impacts or [], initial=case.user_impacts.count())
    return data


def cost(description: str = "Licences", amount: str = "12000", **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "category": "licences",
        "recurrence": "yearly",
        "amount": amount,
        **extra,
    }


def scenario(name: str = "Account takeover", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "affects_confidentiality": "on",
        "sle": "200000",
        "aro_before": "0.3",
        "aro_after": "0.05",
        **extra,
    }


def existing_rows(case: BusinessCase) -> dict[str, list[dict[str, Any]]]:
    """The rows the editor renders for the case's saved lines, unchanged."""
    return {
        "costs": [
            {
                "id": c.pk,
                "description": c.description,
                "category": c.category,
                "recurrence": c.recurrence,
                "amount": c.amount,
            }
            for c in case.cost_lines.filter(source_department__isnull=True)
        ],
        "scenarios": [
            {
                "id": s.pk,
                "name": s.name,
                "sle": s.sle,
                "aro_before": s.aro_before,
                "aro_after": s.aro_after,
                **{
                    f"affects_{cia}": "on"
                    for cia in ("confidentiality", "integrity", "availability")
                    if getattr(s, f"affects_{cia}")
                },
            }
            for s in case.scenarios.all()
        ],
        "benefits": [
            {"id": b.pk, "description": b.description, "yearly_amount": b.yearly_amount}
            for b in case.benefit_lines.all()
        ],
        "impacts": [
            {
                "id": u.pk,
                "description": u.description,
                "users": u.users,
                "minutes_per_week": u.minutes_per_week,
                "effect": u.effect,
                "hourly_rate": u.hourly_rate,
            }
            for u in case.user_impacts.all()
        ],
    }
