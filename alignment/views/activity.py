"""The programme's activity feed (alignment/activity.py): the page, a page at a time,
and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator

from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from alignment import activity
from departments.http import HtmxHttpRequest
from departments.models import Department
from departments.text import spreadsheet_safe
from objectives.models import SecurityObjective


class ActivityFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, to_field_name="slug"
    )
    objective = forms.ModelChoiceField(queryset=SecurityObjective.objects.none(), required=False)
    person = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        fields = self.fields
        departments = Department.objects.visible_to(user).order_by("name")  # type: ignore[arg-type]
        fields["department"].queryset = departments  # type: ignore[attr-defined]
        fields["objective"].queryset = SecurityObjective.objects.order_by("title")  # type: ignore[attr-defined]
        people = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
        fields["person"].queryset = people  # type: ignore[attr-defined]

    def choices(self) -> dict[str, list[tuple[str, str]]]:
        """Each select's options as (value, label) pairs, read with one query each: the
        page renders them in a plain loop, since a widget per option is slow at 600
        departments and as many people."""
        fields = self.fields
        people = fields["person"].queryset.values_list(  # type: ignore[attr-defined]
            "pk", "first_name", "last_name", "username"
        )
        return {
            "department": [
                (slug, name)
                for slug, name in fields["department"].queryset.values_list("slug", "name")  # type: ignore[attr-defined]
            ],
            "objective": [
                (str(pk), title)
                for pk, title in fields["objective"].queryset.values_list("pk", "title")  # type: ignore[attr-defined]
            ],
            "person": [
                (str(pk), f"{first} {last}".strip() or username)
                for pk, first, last, username in people
            ],
        }

    def filters(self) -> activity.Filters:
        if not self.is_valid():
            return activity.Filters()
        data = self.cleaned_data
        zone = timezone.get_current_timezone()

        def start_of(day: dt.date | None) -> dt.datetime | None:
            return dt.datetime.combine(day, dt.time(), tzinfo=zone) if day else None

        until = data.get("until")
        return activity.Filters(
            department=data.get("department"),
            objective_id=data["objective"].pk if data.get("objective") else None,
            person_id=data["person"].pk if data.get("person") else None,
            since=start_of(data.get("since")),
            until=start_of(until + dt.timedelta(days=1)) if until else None,
        )


@require_GET
def activity_feed(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Who changed what and when; ?before=<time> pages back; ?format=csv downloads it."""
    form = ActivityFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    if request.GET.get("format") == "csv":
        return _csv(request, filters)
    before = parse_datetime(request.GET.get("before", "")[:40])
    if before is not None and timezone.is_naive(before):
        before = None
    page = activity.events(request.user, filters, before=before)
    query = request.GET.copy()
    query.pop("before", None)
    older = None
    if len(page) == activity.PAGE_SIZE:
        query["before"] = page[-1].when.isoformat()
        older = query.urlencode()
    context = {
        "form": form,
        "events": page,
        "older": older,
        "paged": before is not None,
        "choices": form.choices(),
    }
    csv_query = request.GET.copy()
    csv_query.pop("before", None)
    csv_query["format"] = "csv"
    context["csv_query"] = csv_query.urlencode()
    return render(request, "alignment/activity.html", context, status=422 if form.errors else 200)


class _Line:
    """csv.writer's file: hands back each line instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def _csv(request: HtmxHttpRequest, filters: activity.Filters) -> StreamingHttpResponse:
    """The whole filtered feed, streamed a line at a time (never held in memory whole)."""
    writer = csv.writer(_Line())

    def lines() -> Iterator[str]:
        yield writer.writerow(["when", "who", "department", "what", "link"])
        for event in activity.all_events(request.user, filters):
            when = timezone.localtime(event.when).strftime("%Y-%m-%d %H:%M")
            link = request.build_absolute_uri(event.link) if event.link else ""
            yield writer.writerow(
                [
                    when,
                    spreadsheet_safe(event.who),
                    spreadsheet_safe(event.department),
                    spreadsheet_safe(event.sentence),
                    link,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="activity-{stamp}.csv"'
    return response
