"""Forms of the meeting pages: they validate and convert; the views call the services."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, TypedDict, cast
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils import timezone

from alignment.meetings.models import (
    ActionItem,
    Decision,
    MeetingKind,
    MeetingSeries,
    Response,
    UserProfile,
)
from alignment.meetings.models.profiles import LEAD_CHOICES, available_timezones
from alignment.meetings.recurrence import Preset, RuleError, normalise, preset_of, preset_rule
from alignment.meetings.services import Guest
from departments.forms import BoundedModelMultipleChoiceField
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def people() -> QuerySet[User]:
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class PeopleChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class LeadTimesField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", LEAD_CHOICES)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(coerce=int, **kwargs)

    def prepare_value(self, value: object) -> object:
        return [str(v) for v in value] if isinstance(value, list) else value


def parse_guests(text: str) -> list[Guest]:
    """One guest per line: `name@example.com` or `Ada Lovelace <ada@example.com>`."""
    guests = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, email = parseaddr(line.strip())
        try:
            validate_email(email)
        except ValidationError as error:
            raise ValidationError(f"{line.strip()!r} is not an email address.") from error
        guests.append(Guest(email=email.lower(), name=name))
    return guests


class SeriesFields(TypedDict):
    """A series' own fields as the form gives them (services.SERIES_FIELDS)."""

    title: str
    start_date: dt.date
    start_time: dt.time
    time_zone: str
    duration_minutes: int
    location: str
    video_link: str
    rule: str
    reminder_leads: list[int]


class SeriesForm(forms.ModelForm):
    """A series: kind, who, when (preset or custom RRULE), where, reminders."""

    preset = forms.ChoiceField(label="Repeats", choices=Preset.CHOICES, initial=Preset.MONTHLY)
    custom_rule = forms.CharField(
        label="Custom rule",
        required=False,
        help_text="An RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=+2TU or FREQ=WEEKLY;BYDAY=MO,TH.",
    )
    leader = PersonChoiceField(
        queryset=people(),
        required=False,
        help_text="For a one-on-one: the key leader you meet.",
    )
    attendees = PeopleChoiceField(
        queryset=people(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Besides you (and the leader of a one-on-one).",
    )
    guests = forms.CharField(
        label="Guests by email",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        # Crispy renders help text as HTML: the angle brackets are written as entities.
        help_text="One per line: ada@example.com or Ada Lovelace &lt;ada@example.com&gt;.",
    )
    time_zone = forms.ChoiceField(label="Time zone", choices=zone_choices)
    video_link = forms.URLField(label="Video link", required=False, assume_scheme="https")
    reminder_leads = LeadTimesField(label="Reminders", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = MeetingSeries
        fields = [
            "kind",
            "title",
            "department",
            "leader",
            "start_date",
            "start_time",
            "time_zone",
            "duration_minutes",
            "location",
            "video_link",
            "reminder_leads",
        ]
        widgets = {"start_date": DATE, "start_time": TIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].required = False
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = MeetingKind.choices  # no empty choice
        kind.initial = MeetingKind.ONE_ON_ONE
        series: MeetingSeries = self.instance
        if series.pk and not self.is_bound:
            preset = preset_of(series.rule, series.start_date)
            self.initial["preset"] = preset
            if preset == Preset.CUSTOM:
                self.initial["custom_rule"] = series.rule
            users = [a.user_id for a in series.attendees.all() if a.user_id]
            self.initial["attendees"] = [
                u for u in users if u not in (series.organiser_id, series.leader_id)
            ]
            self.initial["version"] = series.version
            self.initial["guests"] = "\n".join(
                f"{a.name} <{a.email}>" if a.name else a.email
                for a in series.attendees.all()
                if not a.user_id
            )
        if series.pk:
            kind.disabled = True

    def clean_guests(self) -> list[Guest]:
        return parse_guests(self.cleaned_data.get("guests", ""))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind, department, leader = data.get("kind"), data.get("department"), data.get("leader")
        if kind == MeetingKind.ONE_ON_ONE:
            if department is None:
                self.add_error("department", "A one-on-one is with a leader of a department.")
            if leader is None:
                self.add_error("leader", "Choose the leader you meet.")
            elif department is not None and not _leads(leader, department):
                self.add_error(
                    "leader", f"{leader} is not the head or a key leader of {department}."
                )
        start_date, start_time, zone = (
            data.get("start_date"),
            data.get("start_time"),
            data.get("time_zone"),
        )
        if start_date and start_time and zone:
            try:
                rule = (
                    data.get("custom_rule", "")
                    if data.get("preset") == Preset.CUSTOM
                    else preset_rule(data.get("preset", Preset.MONTHLY), start_date)
                )
                first = dt.datetime.combine(start_date, start_time)
                data["rule"] = normalise(rule, first_start=first, tz=zone)
            except RuleError as error:
                field = "custom_rule" if data.get("preset") == Preset.CUSTOM else "preset"
                self.add_error(field, str(error))
        return data

    def series_changes(self) -> SeriesFields:
        """The fields the service applies (see meeting_services.SERIES_FIELDS)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "start_date": data["start_date"],
            "start_time": data["start_time"],
            "time_zone": data["time_zone"],
            "duration_minutes": data["duration_minutes"],
            "location": data["location"],
            "video_link": data["video_link"],
            "rule": data["rule"],
            "reminder_leads": sorted(data["reminder_leads"], reverse=True),
        }


def _leads(user: User, department: Department) -> bool:
    return department.head_id == user.pk or department.key_leaders.filter(pk=user.pk).exists()


class MoveForm(forms.Form):
    """A new start for one meeting, in the series' local time."""

    start_date = forms.DateField(label="New date", widget=DATE)
    start_time = forms.TimeField(label="New time", widget=TIME)

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["start_time"].help_text = f"Local time in {zone.key}."

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


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label="Time zone", choices=zone_choices)
    reminder_leads = LeadTimesField(label="My reminder times", required=False)

    class Meta:
        model = UserProfile
        fields = ["time_zone", "use_series_leads", "reminder_leads"]

    def clean_reminder_leads(self) -> list[int]:
        return sorted(self.cleaned_data.get("reminder_leads") or [], reverse=True)


class RevokeFeedForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, the old address stops working", required=True)
