"""Forms of the series and profile pages (one meeting's forms: meeting_forms.py): they
validate and convert; the views call the services."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils import timezone

from alignment.meetings import busy, slots
from alignment.meetings.models import (
    MeetingKind,
    MeetingSeries,
    UserProfile,
)
from alignment.meetings.models.profiles import (
    ACTION_REMINDER_CHOICES,
    LEAD_CHOICES,
    NOTICE_FIELDS,
    WEEKDAY_CHOICES,
    available_timezones,
    days_mask,
    mask_days,
)
from alignment.meetings.recurrence import (
    Preset,
    RuleError,
    Schedule,
    horizon_years,
    normalise,
    preset_of,
    preset_rule,
)
from alignment.meetings.services import Guest
from departments.forms import BoundedModelMultipleChoiceField, PersonChoiceField
from departments.models import Department
from departments.people import by_name, full_name
from departments.roles import SECURITY_GROUP
from departments.text import validate_single_line

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
CLASHES_SHOWN = 10


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def people() -> QuerySet[User]:
    return by_name(get_user_model().objects.filter(is_active=True))


class PeopleChoiceField(BoundedModelMultipleChoiceField):
    """Several people, each by full name with their username and email: two colleagues
    may share a name, and the picker (static/js/meetings.js) finds them by any of these."""

    widget = forms.SelectMultiple(attrs={"size": 6, "data-people-picker": ""})

    def label_from_instance(self, obj: User) -> str:
        name = full_name(obj)
        extra = [part for part in (obj.username, obj.email) if part and part != name]
        return f"{name} ({', '.join(extra)})" if extra else name


class LeadTimesField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", LEAD_CHOICES)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(coerce=int, **kwargs)

    def prepare_value(self, value: object) -> object:
        return [str(v) for v in value] if isinstance(value, list) else value


def within_years_of_today(day: dt.date, what: str) -> None:
    """Refuse a date more than the series horizon (in years) before or after today."""
    years = horizon_years()
    today = timezone.localdate()
    try:
        low, high = today.replace(year=today.year - years), today.replace(year=today.year + years)
    except ValueError:  # 29 February
        low = today.replace(year=today.year - years, day=28)
        high = today.replace(year=today.year + years, day=28)
    if not low <= day <= high:
        raise ValidationError(
            f"{what} must be within {years} years of today ({low:%d %b %Y} to {high:%d %b %Y})."
        )


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
    schedule_anyway = forms.BooleanField(
        label="Schedule anyway",
        required=False,
        help_text="Keep this time although it overlaps the meetings listed above.",
    )

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

    def __init__(self, *args: Any, organiser: User | None = None, **kwargs: Any) -> None:
        """`organiser`: whose calendar (with the attendees') a new time must not clash
        with; None checks nothing."""
        super().__init__(*args, **kwargs)
        self.organiser = organiser
        self.clashes: list[slots.Clash] = []
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
        for name in ("title", "location", "custom_rule"):
            self.fields[name].validators.append(validate_single_line)

    def clean_start_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["start_date"]
        if day != self.instance.start_date:  # a stored series keeps its first date
            within_years_of_today(day, "The first meeting")
        return day

    def clean_reminder_leads(self) -> list[int]:
        # The series always reminds: the model refuses an empty list (reminder_leads is
        # not blank=True), so the form says so on the field rather than failing on save.
        leads: list[int] = self.cleaned_data.get("reminder_leads") or []
        if not leads:
            raise ValidationError("Tick at least one reminder time.", code="required")
        return leads

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
        if not self.errors and not data.get("schedule_anyway"):
            self._refuse_clashes(data)
        return data

    def _people(self, data: dict[str, Any]) -> list[User]:
        assert self.organiser is not None
        people = [self.organiser, data.get("leader"), *data.get("attendees", [])]
        return [person for person in people if person is not None]

    def _refuse_clashes(self, data: dict[str, Any]) -> None:
        """A time that overlaps a meeting of the organiser or an attendee within the
        horizon is refused, with the clashes listed, until "Schedule anyway" is ticked.

        A change that keeps the time, the duration and the people is not checked again:
        a series saved anyway is not refused at its next rename.
        """
        if self.organiser is None:
            return
        series: MeetingSeries = self.instance
        people = self._people(data)
        timing = (
            data["rule"],
            data["start_date"],
            data["start_time"],
            data["time_zone"],
            data["duration_minutes"],
        )
        if series.pk:
            stored = (
                series.rule,
                series.start_date,
                series.start_time,
                series.time_zone,
                series.duration_minutes,
            )
            attending = {a.user_id for a in series.attendees.all() if a.user_id}
            if stored == timing and {p.pk for p in people} <= attending | {series.organiser_id}:
                return
        schedule = Schedule(
            data["rule"], dt.datetime.combine(data["start_date"], data["start_time"]), timing[3]
        )
        self.clashes = slots.schedule_clashes(
            schedule=schedule,
            duration=dt.timedelta(minutes=data["duration_minutes"]),
            people=people,
            now=timezone.now(),
            exclude_series=series.pk,
        )
        if self.clashes:
            self.add_error(None, clash_messages(self.clashes))

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


def clash_messages(clashes: list[slots.Clash]) -> list[str]:
    """One line per clash, in the current (the viewer's) time zone."""
    plural = "" if len(clashes) == 1 else "s"
    zone = timezone.get_current_timezone_name()
    lines = [f"This time overlaps {len(clashes)} existing meeting{plural} (times in {zone}):"]
    for clash in clashes[:CLASHES_SHOWN]:
        start = timezone.localtime(clash.busy.start)
        end = timezone.localtime(clash.busy.end)
        who = clash.person.get_full_name() or clash.person.get_username()
        lines.append(f"“{clash.busy.title}” of {who}, {start:%a %d %b %Y %H:%M}–{end:%H:%M}")
    if len(clashes) > CLASHES_SHOWN:
        lines.append(f"… and {len(clashes) - CLASHES_SHOWN} more.")
    lines.append("Choose another time, or tick “Schedule anyway” to keep this one.")
    return lines


def _leads(user: User, department: Department) -> bool:
    return department.head_id == user.pk or department.key_leaders.filter(pk=user.pk).exists()


def hour_choices(first: int, last: int) -> list[tuple[int, str]]:
    return [(hour, f"{hour:02d}:00") for hour in range(first, last + 1)]


class WorkDaysField(forms.TypedMultipleChoiceField):
    """Weekday checkboxes, stored as a bit mask (UserProfile.work_days)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", WEEKDAY_CHOICES)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("error_messages", {"required": "Choose at least one working day."})
        super().__init__(coerce=int, **kwargs)

    def prepare_value(self, value: object) -> object:
        if isinstance(value, int):
            return [str(day) for day in mask_days(value)]
        return value

    def clean(self, value: Any) -> int:
        return days_mask(super().clean(value))

    def has_changed(self, initial: Any, data: Any) -> bool:
        if isinstance(initial, int):  # the stored mask, as the checkboxes would post it
            initial = [str(day) for day in mask_days(initial)]
        return super().has_changed(initial, data)


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label="Time zone", choices=zone_choices)
    work_start_hour = forms.TypedChoiceField(
        label="My working day starts at", coerce=int, choices=hour_choices(0, 23)
    )
    work_end_hour = forms.TypedChoiceField(
        label="and ends at",
        coerce=int,
        choices=hour_choices(1, 24),
        help_text="Meetings are scheduled for you only inside these hours, in your time zone.",
    )
    work_days = WorkDaysField(label="My working days")
    reminder_leads = LeadTimesField(label="My reminder times", required=False)
    # Not required: a form posted without it (an older page, a script) keeps the setting.
    action_reminder_days = forms.TypedChoiceField(
        label="Remind me of my action items",
        coerce=int,
        choices=ACTION_REMINDER_CHOICES,
        required=False,
        empty_value=None,
    )
    busy_calendar_url = forms.URLField(
        label="My published calendar (ICS address)",
        help_text=UserProfile._meta.get_field("busy_calendar_url").help_text,
        max_length=500,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )

    class Meta:
        model = UserProfile
        fields = [
            "time_zone",
            "work_start_hour",
            "work_end_hour",
            "work_days",
            "use_series_leads",
            "reminder_leads",
            "action_reminder_days",
            "overdue_reminders",
            "busy_calendar_url",
            *NOTICE_FIELDS,
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in NOTICE_FIELDS:  # an older page without them keeps the settings
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in NOTICE_FIELDS:
            cleaned[name] = cleaned.get(name) or getattr(self.instance, name)
        return cleaned

    def clean_reminder_leads(self) -> list[int]:
        return sorted(self.cleaned_data.get("reminder_leads") or [], reverse=True)

    def clean_action_reminder_days(self) -> int:
        days = self.cleaned_data.get("action_reminder_days")
        return self.instance.action_reminder_days if days is None else days

    def clean_busy_calendar_url(self) -> str:
        """Only an address the worker will fetch: http(s), on a host the settings allow."""
        url = (self.cleaned_data.get("busy_calendar_url") or "").strip()
        refusal = busy.url_refusal(url) if url else None
        if refusal is not None:
            raise ValidationError(refusal)
        return url


class RevokeFeedForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, the old address stops working", required=True)


class HandOverForm(forms.Form):
    """Who takes a series over: an active member of the security team, not its organiser."""

    to = PersonChoiceField(
        label="Hand over to",
        queryset=get_user_model().objects.none(),
        empty_label="Choose a member of the security team",
        error_messages={"invalid_choice": "Choose an active member of the security team."},
    )
    # The version the page showed: a series changed meanwhile is refused, not overwritten.
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, series: MeetingSeries, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"version": series.version})
        super().__init__(*args, **kwargs)
        field = cast(PersonChoiceField, self.fields["to"])
        field.queryset = (
            people().filter(groups__name=SECURITY_GROUP).exclude(pk=series.organiser_id)
        )
