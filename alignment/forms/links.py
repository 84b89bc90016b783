"""Forms of the alignment matrix: setting the link between an initiative and a goal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.db import IntegrityError, transaction

from alignment.models import AlignmentLink, Relation
from departments.models import Goal
from departments.versioning import (
    StaleVersion,
    lock_version,
    refuse,
    save_versioned,
    stale_message,
)
from objectives.models import Initiative, SecurityObjective

NO_LINK = "none"
RATIONALE_MAX = AlignmentLink._meta.get_field("rationale").max_length


def _pair_history_message(initiative: Initiative, goal: Goal) -> str:
    """'Changed by X at T' for a link that was removed (or created) since the form was shown."""
    record = (
        AlignmentLink.history.filter(initiative_id=initiative.pk, goal_id=goal.pk)
        .order_by("-history_date")
        .first()
    )
    if record is None:
        return "Changed by someone else just now — review and retry."
    return stale_message(record.instance)


class FocusCheckedRadioSelect(forms.RadioSelect):
    """Radios whose checked option has `autofocus`: htmx focuses it when the editor opens."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["selected"]:
            option["attrs"]["autofocus"] = True
        return option


class LinkForm(forms.Form):
    """Set, change or remove the link of one initiative to one goal.

    `version` is the link's version the form was based on, 0 when there was no link: a
    save is refused when the stored link (or its absence) is no longer that version.
    """

    relation = forms.ChoiceField(
        choices=[*Relation.choices, (NO_LINK, "No link")], widget=FocusCheckedRadioSelect
    )
    rationale = forms.CharField(
        max_length=RATIONALE_MAX,
        required=False,
        help_text="One line: why. Required for a conflict.",
    )
    mitigation = forms.CharField(
        required=False,
        max_length=AlignmentLink._meta.get_field("mitigation").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a conflict: what softens it. Empty means unmitigated.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(
        self,
        data: Mapping[str, object] | None = None,
        *,
        initiative: Initiative,
        goal: Goal,
        link: AlignmentLink | None,
        **kw: Any,
    ) -> None:
        super().__init__(data, **kw)
        self.initiative, self.goal, self.link = initiative, goal, link
        self.initial.update(
            relation=link.relation if link else NO_LINK,
            rationale=link.rationale if link else "",
            mitigation=link.mitigation if link else "",
            version=link.version if link else 0,
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        relation = data.get("relation")
        if relation == Relation.CONFLICTS and not data.get("rationale"):
            self.add_error("rationale", "Say in one line why this initiative gets in the way.")
        if relation != Relation.CONFLICTS:
            # A mitigation softens a conflict; it means nothing for any other relation.
            data["mitigation"] = ""
        return data

    def save(self) -> bool:
        """Create, change or delete the link; False (with a form error) when stale."""
        data = self.cleaned_data
        expected = data.get("version") or 0
        pair = AlignmentLink.objects.filter(initiative=self.initiative, goal=self.goal)
        try:
            with transaction.atomic():
                current = pair.select_for_update().first()
                if (current is None) != (expected == 0):
                    # Created or removed since the form was shown: no row to compare with.
                    raise StaleVersion(
                        _pair_history_message(self.initiative, self.goal),
                        stored_version=current.version if current else 0,
                    )
                self.link = self._apply(current, data, expected)
        except StaleVersion as stale:
            refuse(self, stale)
            return False
        except IntegrityError:
            # Another request created the same pair between our read and our insert.
            self.add_error(None, _pair_history_message(self.initiative, self.goal))
            return False
        return True

    def _apply(
        self, current: AlignmentLink | None, data: dict[str, Any], expected: int
    ) -> AlignmentLink | None:
        if data["relation"] == NO_LINK:
            if current is not None:
                lock_version(current, expected)
                current.delete()
            return None
        link = current or AlignmentLink(initiative=self.initiative, goal=self.goal)
        link.relation = data["relation"]
        link.rationale = data["rationale"]
        link.mitigation = data.get("mitigation", link.mitigation if current else "")
        save_versioned(link, expected if current else None)
        return link


class QuickLinkForm(LinkForm):
    """The one-line form beside a search result: a relation and a rationale.

    Without a mitigation field, an existing conflict keeps its mitigation.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["mitigation"]
        relation = cast(forms.ChoiceField, self.fields["relation"])
        relation.choices = Relation.choices
        relation.widget = forms.Select(
            choices=Relation.choices, attrs={"class": "form-select form-select-sm"}
        )
        self.fields["rationale"].help_text = ""
        self.fields["rationale"].widget.attrs.update(
            {"class": "form-control form-control-sm", "placeholder": "Why, in one line"}
        )
        if self.initial["relation"] == NO_LINK:
            self.initial["relation"] = Relation.SUPPORTS


class MatrixFilterForm(forms.Form):
    """The matrix's filters, read from the query string (bookmarkable)."""

    objective = forms.ModelChoiceField(
        queryset=SecurityObjective.objects.order_by("title"),
        required=False,
        empty_label="All objectives",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
