"""The forms of one meeting: moving it, its minutes, decisions and action items, an
attendee's answer, attendance, and sharing a joint meeting's agenda item."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from alignment.meetings.agenda import SHARE_KEY
from alignment.meetings.forms import DATE, TIME, PersonChoiceField, people, within_years_of_today
from alignment.meetings.models import ActionItem, Decision, Response, SeriesAttendee

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class MoveForm(forms.Form):
    """A new start for one meeting, in the series' local time."""

    start_date = forms.DateField(label="New date", widget=DATE)
    start_time = forms.TimeField(label="New time", widget=TIME)

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["start_time"].help_text = f"Local time in {zone.key}."

    def clean_start_date(self) -> dt.date:
        # Checked as a date first: a start near the year 1 or 9999 would overflow on its
        # way to UTC.
        day: dt.date = self.cleaned_data["start_date"]
        if day < timezone.localdate() - dt.timedelta(days=1):
            raise ValidationError("Move the meeting to a time that is still ahead.")
        within_years_of_today(day, "The new date")
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("start_date") and data.get("start_time"):
            local = dt.datetime.combine(data["start_date"], data["start_time"], tzinfo=self.zone)
            data["start"] = local.astimezone(dt.UTC)
            if data["start"] <= timezone.now():
                raise ValidationError("Move the meeting to a time that is still ahead.")
        return data


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "form-control"}),
        max_length=50_000,
    )
    # The version the text was based on: two people typing minutes at once must not
    # silently overwrite each other (see departments/versioning.py).
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DecisionForm(forms.ModelForm):
    # A decision is a sentence or two; every attendee's page carries all of them.
    text = forms.CharField(label="Decision", max_length=2000, widget=forms.TextInput())

    class Meta:
        model = Decision
        fields = ["text"]
        labels = {"text": "Decision"}
        widgets = {"text": forms.TextInput()}


class ActionItemForm(forms.ModelForm):
    owner = PersonChoiceField(queryset=people(), required=False)

    class Meta:
        model = ActionItem
        fields = ["title", "owner", "due_date"]
        labels = {"title": "Action"}
        widgets = {"due_date": DATE}

    def __init__(self, *args: Any, owners: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is not None:
            cast(PersonChoiceField, self.fields["owner"]).queryset = owners


class ResponseForm(forms.Form):
    response = forms.ChoiceField(choices=Response.choices, widget=forms.HiddenInput)


class AttendanceForm(forms.Form):
    """Who was at a meeting: the ticked attendees were present, every other one absent."""

    present = forms.TypedMultipleChoiceField(
        label="Who was there", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, attendees: list[SeriesAttendee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedMultipleChoiceField, self.fields["present"])
        field.choices = [(a.pk, a.display_name) for a in attendees]


NOT_ON_AGENDA = "That item is not on this meeting's agenda: reload the page and try again."


class ShareForm(forms.Form):
    """Which item of a joint meeting's agenda (one of its keys), and whether to share it
    with all the heads."""

    # Not stripped: a key is taken exactly as the agenda wrote it, or refused.
    item = forms.CharField(
        max_length=40,
        strip=False,
        error_messages={"required": NOT_ON_AGENDA, "max_length": NOT_ON_AGENDA},
    )
    shared = forms.BooleanField(required=False)  # "true" shares, "false" or absent stops

    def __init__(self, *args: Any, keys: frozenset[str], **kwargs: Any) -> None:
        """`keys`: the keys of the items on the meeting's agenda."""
        super().__init__(*args, **kwargs)
        self.keys = keys

    def clean_item(self) -> str:
        key: str = self.cleaned_data["item"]
        if not SHARE_KEY.fullmatch(key) or key not in self.keys:
            raise forms.ValidationError(NOT_ON_AGENDA)
        return key
