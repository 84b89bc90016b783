"""Forms for support commitments and requests from the business.

The commitment's editor is a VersionedModelForm (a stale save is refused); moving a
commitment, the head's confirmation and the answers to a request are small plain forms
whose `version` the workflow in alignment/commitments.py checks as it saves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from alignment.models.commitments import (
    Commitment,
    CommitmentStatus,
    HeadVerdict,
    SupportRequest,
)
from departments.models import TEXT_MAX_LENGTH, Department
from departments.versioning import VersionedModelForm
from objectives.forms import security_team

# A due date further than this from today is a typo, not a plan.
HORIZON_YEARS = 10


def within_horizon(day: dt.date, *, not_before_today: bool = False) -> None:
    today = timezone.localdate()
    low = today if not_before_today else today - dt.timedelta(days=365 * HORIZON_YEARS)
    high = today + dt.timedelta(days=365 * HORIZON_YEARS)
    if not low <= day <= high:
        raise ValidationError(f"Choose a date between {low:%d %b %Y} and {high:%d %b %Y}.")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class CommitmentForm(VersionedModelForm[Commitment]):
    """What the security team commits to, for which department, who, by when.

    A commitment from a source (an assessment, a conflict, a meeting, a request) takes
    that source's department; any other chooses it when created and keeps it after.
    """

    owner = OwnerChoiceField(queryset=security_team(), required=False, empty_label="Nobody yet")

    class Meta:
        model = Commitment
        fields = ["title", "detail", "department", "owner", "due_date"]
        widgets = {
            "detail": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "title": "One line the head will recognise, e.g. “Hardware keys for the field team”.",
            "detail": "What exactly, and how the head will know it was delivered.",
        }

    instance: Commitment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None or self.instance.department_id is not None:
            del self.fields["department"]
        else:
            department = cast("forms.ModelChoiceField[Department]", self.fields["department"])
            department.queryset = Department.objects.order_by("name")
            department.empty_label = "Choose a department"

    def clean_due_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["due_date"]
        within_horizon(day)
        return day


class AcceptForm(CommitmentForm):
    """Accepting a request: the commitment it becomes, and the request's version."""

    request_version = forms.IntegerField(widget=forms.HiddenInput)


class MoveForm(forms.Form):
    status = forms.ChoiceField(
        label="New status",
        choices=[c for c in CommitmentStatus.choices if c[0] != CommitmentStatus.PLANNED],
    )
    reason = forms.CharField(
        label="Reason (to drop it)",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    verdict = forms.ChoiceField(
        label="Did it help?",
        choices=[(HeadVerdict.HELPED, "It helped"), (HeadVerdict.DID_NOT_HELP, "It did not")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when it did not help: say what was missing.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RequestForm(forms.ModelForm):
    class Meta:
        model = SupportRequest
        fields = ["need", "due_date"]
        labels = {"need": "What do you need from the security team?"}
        widgets = {
            "need": forms.Textarea(attrs={"rows": 4}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_due_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["due_date"]
        within_horizon(day, not_before_today=True)
        return day


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why not",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The head reads this.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
