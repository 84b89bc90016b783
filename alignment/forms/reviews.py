"""Programme reviews: the CISO's findings on one item, an action item decided beside it,
and how often a review opens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone

from alignment.meetings.forms import DATE, PersonChoiceField, people
from alignment.meetings.models import ActionItem
from alignment.models import ReviewItem, Verdict
from alignment.review_schedule import DAYS, HOURS, Frequency

YES_NO = [("", "—"), ("true", "Yes"), ("false", "No")]


class ReviewItemForm(forms.ModelForm):
    relevant = forms.NullBooleanField(
        label="Still relevant?", required=False, widget=forms.Select(choices=YES_NO)
    )
    effective = forms.NullBooleanField(
        label="Effective?", required=False, widget=forms.Select(choices=YES_NO)
    )
    verdict = forms.ChoiceField(choices=[("", "—"), *Verdict.choices], required=True)

    class Meta:
        model = ReviewItem
        fields = ["relevant", "effective", "verdict", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("relevant"), Column("effective"), Column("verdict")), "note"
        )


class ReviewScheduleForm(forms.Form):
    """How often beat opens a programme review (alignment/review_schedule.py)."""

    frequency = forms.ChoiceField(label="A review opens", choices=Frequency.choices)
    day = forms.TypedChoiceField(
        label="On day of the month",
        coerce=int,
        choices=[(d, str(d)) for d in DAYS],
        help_text="1 to 28, so that every month has it.",
    )
    hour = forms.TypedChoiceField(
        label="At",
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in HOURS],
    )

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hour"].help_text = f"In the organisation's time zone, {zone}."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Row(Column("frequency"), Column("day"), Column("hour")))


class ReviewActionForm(forms.ModelForm):
    """An action item decided in a review, beside one of its items."""

    owner = PersonChoiceField(queryset=people(), empty_label="Choose an owner")

    class Meta:
        model = ActionItem
        fields = ["title", "owner", "due_date"]
        labels = {"title": "Action", "due_date": "Due (optional)"}
        widgets = {"due_date": DATE}

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Say what is to be done.")
        return title

    def clean_due_date(self) -> dt.date | None:
        due: dt.date | None = self.cleaned_data.get("due_date")
        if due is not None and due < self.today:
            raise forms.ValidationError("Choose today or a later date.")
        return due
