"""Programme reviews: the security team records them; executives and administrators read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from alignment import reviews
from alignment.forms import ReviewItemForm
from alignment.models import ProgrammeReview, ReviewItem, get_review_for
from departments import roles
from departments.http import HtmxHttpRequest, form_status, require_security_team

DETAIL = "alignment/review_detail.html"


@require_GET
def review_list(request: HtmxHttpRequest) -> HttpResponse:
    if not roles.reads_everything(request.user):
        raise PermissionDenied("Programme reviews are for the security team and leadership.")
    context = {
        "reviews": ProgrammeReview.objects.annotate_progress()[:40],
        "cadence": reviews.CADENCE.days,
        "sooner": reviews.SOONER.days,
    }
    return render(request, "alignment/review_list.html", context)


@require_POST
def review_open(request: HtmxHttpRequest) -> HttpResponse:
    """Open this quarter's review (or go to it, when it exists)."""
    require_security_team(request.user, "Only the security team opens a programme review.")
    review, created = reviews.open_review()
    if created:
        messages.success(request, f"{review} opened: {review.items.count()} items to walk.")
    return redirect(review)


def _detail(
    request: HtmxHttpRequest, review: ProgrammeReview, invalid: ReviewItemForm | None = None
) -> HttpResponse:
    items = list(review.items.select_related("objective", "initiative__objective"))
    found = reviews.evidence(review)
    earlier = reviews.earlier_verdicts(review)
    editable = review.is_open and roles.is_ciso(request.user)
    rows = [
        {
            "item": item,
            "evidence": found[item.pk],
            "before": earlier.get(reviews.subject_key(item)),
            "form": (
                invalid
                if invalid and invalid.instance.pk == item.pk
                else ReviewItemForm(instance=item, prefix=f"item{item.pk}")
            )
            if editable
            else None,
        }
        for item in items
    ]
    context = {
        "review": review,
        "rows": rows,
        "previous": reviews.previous(review),
        "remaining": sum(1 for item in items if not item.is_done),
        "editable": editable,
        "sooner": reviews.SOONER.days,
        "cadence": reviews.CADENCE.days,
    }
    return render(request, DETAIL, context, status=form_status(invalid))


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
    return redirect(f"{review.get_absolute_url()}#item-{item.pk}")


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
