"""Forms of the stakeholder engagement map: a new reading, and the dates the map is read at."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone

from alignment.models import Agreement, ImpactAssessment, StakeholderReading

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class AnswerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ImpactAssessment) -> str:
        verb = "agreed with" if obj.head_agreement == Agreement.AGREED else "disagreed with"
        return f"{obj.department.name} {verb} {obj.initiative.title}"


class ReadingForm(forms.ModelForm):
    """A new reading of one leader. Nothing is ever edited: each save adds a row.

    `leaders`: from a meeting with several leaders, which one this reading is about;
    `assessments`: on a leader's page, the answers the reading may cite as its source.
    """

    class Meta:
        model = StakeholderReading
        fields = ["current_engagement", "desired_engagement", "influence", "interest", "note"]
        labels = {"current_engagement": "Engagement now", "desired_engagement": "Wanted"}
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"note": "What you saw or heard: it stays in the history."}

    instance: StakeholderReading

    def __init__(
        self,
        *args: Any,
        leaders: list[User] | None = None,
        assessments: list[ImpactAssessment] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "id_engagement_%s")
        super().__init__(*args, **kwargs)
        if leaders is not None and len(leaders) > 1:
            ids = [leader.pk for leader in leaders]
            model = type(leaders[0])
            self.fields["leader"] = LeaderChoiceField(
                queryset=model.objects.filter(pk__in=ids).order_by("last_name", "first_name"),
                empty_label="Choose a leader",
            )
            self.order_fields(["leader"])
        if assessments:
            self.fields["assessment"] = AnswerChoiceField(
                queryset=ImpactAssessment.objects.filter(
                    pk__in=[a.pk for a in assessments]
                ).select_related("department", "initiative"),
                required=False,
                empty_label="Other (no assessment)",
                label="Came from the answer",
            )

    def chosen_leader(self) -> User | None:
        return self.cleaned_data.get("leader")


def seed_from(reading: StakeholderReading | None) -> dict[str, object]:
    """A new reading starts from the latest one: change only what moved."""
    if reading is None:
        return {}
    return {
        "current_engagement": reading.current_engagement,
        "desired_engagement": reading.desired_engagement,
        "influence": reading.influence,
        "interest": reading.interest,
    }


class AsOfForm(forms.Form):
    """?on=YYYY-MM-DD: the map as recorded by the end of that day (empty: today)."""

    on = forms.DateField(
        required=False,
        label="As recorded on",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_on(self) -> dt.date:
        today = timezone.localdate()
        on: dt.date | None = self.cleaned_data.get("on")
        if on is not None and on > today:
            raise forms.ValidationError("The map has no future: choose today or an earlier day.")
        return on or today


class MovementForm(forms.Form):
    """?from=&to=: how leaders moved between two days (default: the last 90 days)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        for name, label, default in (
            ("from", "From", today - dt.timedelta(days=90)),
            ("to", "To", today),
        ):
            self.fields[name] = forms.DateField(
                required=False,
                label=label,
                initial=default,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        today = timezone.localdate()
        start = cleaned.get("from") or self.fields["from"].initial
        end = cleaned.get("to") or self.fields["to"].initial
        if "from" in cleaned and "to" in cleaned:
            if end > today:
                self.add_error("to", "The map has no future: choose today or an earlier day.")
            elif start >= end:
                self.add_error("from", "Choose a day before the end of the period.")
        cleaned["from"], cleaned["to"] = start, end
        return cleaned
