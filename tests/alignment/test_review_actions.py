"""Decisions become action items: beside each item of an open review the security team adds
one (title, owner among active users, optional due date not in the past), listed with its
state and toggle on open and finished reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import reviews
from alignment.meetings.models import ActionItem
from alignment.models import ProgrammeReview, ReviewItem
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def review() -> ProgrammeReview:
    objective = factories.ObjectiveFactory(title="Protect revenue")
    factories.InitiativeFactory(objective=objective, title="SSO everywhere")
    return reviews.open_review()[0]


def first_item(review: ProgrammeReview) -> ReviewItem:
    return review.items.order_by("pk").first()  # type: ignore[return-value]


def url(review: ProgrammeReview, item: ReviewItem) -> str:
    return reverse("alignment:review-action-add", args=[review.pk, item.pk])


def action(item: ReviewItem, who: Any, **fields: str) -> dict[str, str]:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = {"title": "Write the SSO runbook", "owner": str(who.pk), "due_date": str(tomorrow)}
    return {f"action{item.pk}-{k}": v for k, v in (data | fields).items()}


def test_ciso_adds_an_action_item_in_place(
    client: Any, ciso: Any, head_b: Any, review: Any
) -> None:
    item = first_item(review)
    client.force_login(ciso)
    response = client.post(url(review, item), action(item, head_b), **HTMX)
    assert response.status_code == 200
    saved = ActionItem.objects.get()
    assert (saved.review_item, saved.occurrence, saved.owner, saved.created_by) == (
        item, None, head_b, ciso
    )  # fmt: skip
    fragment = response.content.decode()
    assert f'id="item-actions-{item.pk}"' in fragment and "Write the SSO runbook" in fragment
    assert "<html" not in fragment  # the item's list only
    assert saved.get_absolute_url() == f"{review.get_absolute_url()}?item={item.pk}#item-{item.pk}"


def test_without_htmx_it_redirects_to_the_item(client: Any, ciso: Any, review: Any) -> None:
    item = first_item(review)
    client.force_login(ciso)
    response = client.post(url(review, item), action(item, ciso, due_date=""))
    assert response.status_code == 302
    assert response["Location"] == f"{review.get_absolute_url()}?item={item.pk}#item-{item.pk}"
    assert ActionItem.objects.get().due_date is None  # optional
    assert client.get(url(review, item)).status_code == 302


def test_an_invalid_action_is_refused_in_place(client: Any, ciso: Any, review: Any) -> None:
    item = first_item(review)
    client.force_login(ciso)
    yesterday = str(timezone.localdate() - dt.timedelta(days=1))
    response = client.post(url(review, item), action(item, ciso, due_date=yesterday), **HTMX)
    assert response.status_code == 422
    assert "Choose today or a later date." in response.content.decode()
    page = client.post(url(review, item), action(item, ciso, title=""))
    assert page.status_code == 422 and "<html" in page.content.decode()
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "   "),
        ("title", "x" * 201),
        ("title", "\x00"),
        ("owner", ""),
        ("owner", "9" * 40),
        ("owner", "-1"),
        ("owner", "abc"),
        ("due_date", "2000-01-01"),
        ("due_date", "99999-01-01"),
        ("due_date", "tomorrow"),
    ],
)
def test_hostile_actions_are_refused_with_a_message(
    client: Any, ciso: Any, review: Any, field: str, value: str
) -> None:
    item = first_item(review)
    client.force_login(ciso)
    response = client.post(url(review, item), action(item, ciso, **{field: value}), **HTMX)
    assert response.status_code == 422, (field, value)
    assert "invalid-feedback" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_an_inactive_user_cannot_own_an_action(client: Any, ciso: Any, review: Any) -> None:
    gone = factories.UserFactory(username="left-the-company", is_active=False)
    item = first_item(review)
    client.force_login(ciso)
    response = client.post(url(review, item), action(item, gone), **HTMX)
    assert response.status_code == 422 and not ActionItem.objects.exists()


def test_an_item_of_another_review_is_not_found(client: Any, ciso: Any, review: Any) -> None:
    other = ProgrammeReview.objects.create(period=dt.date(2020, 1, 1))
    stranger = ReviewItem.objects.create(review=other, objective=first_item(review).objective)
    client.force_login(ciso)
    assert client.post(url(review, stranger), action(stranger, ciso)).status_code == 404
    missing = reverse("alignment:review-action-add", args=[review.pk, 2**40])
    assert client.post(missing, {}).status_code == 404
    assert not ActionItem.objects.exists()


def test_a_finished_review_takes_no_new_action(client: Any, ciso: Any, review: Any) -> None:
    review.items.update(verdict="keep")
    reviews.finish(review, by=ciso)
    item = first_item(review)
    client.force_login(ciso)
    response = client.post(url(review, item), action(item, ciso), **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"].endswith(f"#item-{item.pk}")
    assert client.post(url(review, item), action(item, ciso)).status_code == 302
    assert not ActionItem.objects.exists()
    assert "Add action item" not in client.get(review.get_absolute_url()).content.decode()


def test_only_the_security_team_adds_actions(
    client: Any, executive: Any, head_a: Any, review: Any
) -> None:
    item = first_item(review)
    for user in (executive, head_a):
        client.force_login(user)
        assert client.post(url(review, item), action(item, user)).status_code == 403
    assert not ActionItem.objects.exists()


def test_actions_are_listed_with_their_state_and_toggle_on_a_finished_review(
    client: Any, ciso: Any, head_b: Any, executive: Any, review: Any
) -> None:
    item = first_item(review)
    due = timezone.localdate() + dt.timedelta(days=3)
    mine = ActionItem.objects.create(review_item=item, title="Retire the VPN", owner=head_b,
                                     due_date=due)  # fmt: skip
    review.items.update(verdict="keep")
    reviews.finish(review, by=ciso)
    client.force_login(executive)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Retire the VPN" in page and due.strftime("%-d %b %Y") in page and "Open" in page
    assert reverse("alignment:action-toggle", args=[mine.pk]) not in page  # not theirs
    client.force_login(head_b)  # the owner ticks it, from the review page's form
    toggle = reverse("alignment:action-toggle", args=[mine.pk])
    response = client.post(toggle, {"done": "on"})
    assert response["Location"] == f"{review.get_absolute_url()}?item={item.pk}#item-{item.pk}"
    mine.refresh_from_db()
    assert mine.done
    client.force_login(ciso)
    page = client.get(review.get_absolute_url()).content.decode()
    assert toggle in page and "Reopen" in page and "Done" in page


def test_the_page_reads_its_actions_in_a_fixed_number_of_queries(
    client: Any, ciso: Any, head_b: Any, review: Any
) -> None:
    client.force_login(ciso)
    client.get(review.get_absolute_url())  # warm caches (session, content types)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(review.get_absolute_url()).status_code == 200
        return len(captured)

    few = queries()
    for item in review.items.all():
        for n in range(3):
            owner = factories.UserFactory(username=f"owner-{item.pk}-{n}")
            ActionItem.objects.create(review_item=item, title=f"Do {n}", owner=owner)
    assert queries() == few
