"""Programme reviews: the security team records them; executives and administrators read."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from alignment import review_schedule as schedules
from alignment import reviews
from alignment.forms import ReviewActionForm, ReviewItemForm, ReviewScheduleForm
from alignment.meetings.models import ActionItem
from alignment.models import ProgrammeReview, ReviewItem, get_review_for
from departments import roles
from departments.http import HtmxHttpRequest, form_status, is_fragment, require_security_team

DETAIL = "alignment/review_detail.html"
ITEMS_PER_PAGE = 30
READERS_ONLY = "Programme reviews are for the security team and leadership."


@require_GET
def review_list(request: HtmxHttpRequest) -> HttpResponse:
    if not roles.reads_everything(request.user):
        raise PermissionDenied(READERS_ONLY)
    context = {
        "reviews": ProgrammeReview.objects.annotate_progress()[:40],
        "cadence": schedules.cadence().days,
        "sooner": reviews.SOONER.days,
        "schedule": schedules.current(),
    }
    return render(request, "alignment/review_list.html", context)


@require_http_methods(["GET", "POST"])
def review_schedule(request: HtmxHttpRequest) -> HttpResponse:
    """How often beat opens a review: the security team changes it, leadership reads it."""
    if not roles.reads_everything(request.user):
        raise PermissionDenied(READERS_ONLY)
    if request.method == "POST":
        require_security_team(request.user, "Only the security team sets the review schedule.")
    schedule = schedules.current()
    initial = {"frequency": schedules.Frequency.QUARTERLY, "day": 1, "hour": 6}
    if schedule is not None:
        initial = {"frequency": schedule.frequency or initial["frequency"]} | {
            "day": schedule.day,
            "hour": schedule.hour,
        }
    form = None
    if roles.is_ciso(request.user):
        data = request.POST if request.method == "POST" else None
        form = ReviewScheduleForm(data, initial=initial, zone=settings.TIME_ZONE)
        if form.is_bound and form.is_valid():
            schedules.set_schedule(**form.cleaned_data)
            messages.success(request, "Review schedule saved; beat follows it from now on.")
            return redirect("alignment:review-list")
    context = {"schedule": schedule, "form": form, "zone": settings.TIME_ZONE}
    return render(request, "alignment/review_schedule.html", context, status=form_status(form))


@require_POST
def review_open(request: HtmxHttpRequest) -> HttpResponse:
    """Open this quarter's review (or go to it, when it exists)."""
    require_security_team(request.user, "Only the security team opens a programme review.")
    review, created = reviews.open_review()
    if created:
        messages.success(request, f"{review} opened: {review.items.count()} items to walk.")
    return redirect(review)


def _actions() -> Prefetch[str, QuerySet[ActionItem], str]:
    """Each item's action items with their owners: two queries however many."""
    return Prefetch("action_items", queryset=ActionItem.objects.select_related("owner"))


def _action_form(item: ReviewItem, data: object = None) -> ReviewActionForm:
    return ReviewActionForm(data, prefix=f"action{item.pk}")


def _detail(
    request: HtmxHttpRequest,
    review: ProgrammeReview,
    invalid: ReviewItemForm | None = None,
    invalid_action: ReviewActionForm | None = None,
) -> HttpResponse:
    all_items = review.items.select_related("objective", "initiative__objective")
    # A page of items at a time: a large programme has hundreds. `?item=` opens the page
    # of that item (links to an item use it), as does a refused form.
    shown: int | str | None = request.GET.get("item")
    if invalid is not None:
        shown = invalid.instance.pk
    elif invalid_action is not None:
        shown = invalid_action.instance.review_item_id
    number: int | str | None = request.GET.get("page")
    if shown is not None and str(shown).isdigit() and len(str(shown)) < 19:
        number = all_items.filter(pk__lt=int(shown)).count() // ITEMS_PER_PAGE + 1
    page = Paginator(all_items.prefetch_related(_actions()), ITEMS_PER_PAGE).get_page(number)
    items = list(page.object_list)
    found = reviews.evidence(review, items)
    changes = reviews.changes(review)
    editable = review.is_open and roles.is_ciso(request.user)
    rows = [
        {
            "item": item,
            "evidence": found[item.pk],
            "before": changes.before(item),
            "form": (
                invalid
                if invalid and invalid.instance.pk == item.pk
                else ReviewItemForm(instance=item, prefix=f"item{item.pk}")
            )
            if editable
            else None,
            "action_form": (
                invalid_action
                if invalid_action and invalid_action.instance.review_item_id == item.pk
                else _action_form(item)
            )
            if editable
            else None,
        }
        for item in items
    ]
    context = {
        "review": review,
        "rows": rows,
        "previous": changes.previous,
        "changes": changes,
        "remaining": review.items.filter(verdict="").count(),
        "page": page,
        "editable": editable,
        "sooner": reviews.SOONER.days,
        "cadence": schedules.cadence().days,
    }
    return render(request, DETAIL, context, status=form_status(invalid, invalid_action))


@require_GET
def review_detail(request: HtmxHttpRequest, review_id: int) -> HttpResponse:
    return _detail(request, get_review_for(request.user, review_id))


@require_POST
def review_item(request: HtmxHttpRequest, review_id: int, review_item_id: int) -> HttpResponse:
    review = get_review_for(request.user, review_id, write=True)
    item = get_object_or_404(ReviewItem, pk=review_item_id, review=review)
    if not review.is_open:
        messages.error(request, "This review is finished: it is kept as it was.")
        return redirect(review)
    form = ReviewItemForm(request.POST, instance=item, prefix=f"item{item.pk}")
    if not form.is_valid():
        return _detail(request, review, invalid=form)
    form.save()
    return redirect(item.get_absolute_url())


@require_POST
def review_finish(request: HtmxHttpRequest, review_id: int) -> HttpResponse:
    review = get_review_for(request.user, review_id, write=True)
    try:
        reviews.finish(review, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{review} finished; the next review dates are set.")
    return redirect(review)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def review_action_add(
    request: HtmxHttpRequest, review_id: int, review_item_id: int
) -> HttpResponse:
    """An action item decided beside one item of an open review (htmx: the item's list)."""
    review = get_review_for(request.user, review_id, write=True)
    item = get_object_or_404(ReviewItem, pk=review_item_id, review=review)
    here = item.get_absolute_url()
    if request.method == "GET":
        return redirect(here)
    if not review.is_open:
        messages.error(request, "This review is finished: it is kept as it was.")
        return HttpResponseClientRedirect(here) if is_fragment(request) else redirect(here)
    form = _action_form(item, request.POST)
    form.instance.review_item = item
    if form.is_valid():
        form.instance.created_by = request.user
        form.save()
        if not is_fragment(request):
            messages.success(request, f"Action item added: {form.instance.title}.")
            return redirect(here)
        form = _action_form(item)
    elif not is_fragment(request):
        return _detail(request, review, invalid_action=form)
    item = ReviewItem.objects.prefetch_related(_actions()).get(pk=item.pk)
    row = {"item": item, "action_form": form}
    context = {"review": review, "row": row, "editable": True}
    return render(request, f"{DETAIL}#item-actions", context, status=form_status(form))
