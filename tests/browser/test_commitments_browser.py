"""Commitments and requests in a real browser: a head confirms a delivered commitment in
place and sees it on their home; the CISO accepts a request, which becomes a commitment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from alignment.models.commitments import (
    Commitment,
    CommitmentStatus,
    HeadVerdict,
    RequestStatus,
    SupportRequest,
)
from tests.browser.axe import assert_accessible


def test_head_confirms_a_delivered_commitment_and_sees_it_on_their_home(
    page: Page, live_server: Any, login: Callable[[str], None], head_a: Any, dept_a: Any
) -> None:
    commitment = Commitment.objects.create(
        department=dept_a,
        title="Secrets manager onboarding sessions",
        due_date=timezone.localdate(),
        status=CommitmentStatus.DELIVERED,
        delivered_at=timezone.now(),
    )
    login("head-infrastructure")
    page.goto(live_server.url + reverse("home"))
    awaiting = page.locator("#home-commitments .alert")
    expect(awaiting).to_contain_text("did it help?")
    assert_accessible(page)
    awaiting.get_by_role("link", name="Secrets manager onboarding sessions").click()

    card = page.locator(f"#commitment-card-{commitment.pk}")
    assert_accessible(page)
    page.evaluate("window.__noReload = true")
    card.get_by_label("It helped").check()
    card.get_by_label("Comment").fill("The team set up its first vault in an hour.")
    card.get_by_role("button", name="Send your answer").click()
    expect(card.locator("#commitment-verdict")).to_contain_text(
        "It helped: The team set up its first vault in an hour."
    )
    assert page.evaluate("window.__noReload") is True  # answered in place
    commitment.refresh_from_db()
    assert commitment.verdict == HeadVerdict.HELPED

    page.get_by_role("link", name="Home").click()
    item = page.locator(f"#commitment-item-{commitment.pk}")
    expect(item).to_contain_text("It helped")
    expect(page.locator("#home-commitments .alert")).to_have_count(0)


def test_ciso_accepts_a_request_which_becomes_a_commitment(
    page: Page,
    live_server: Any,
    login: Callable[[str], None],
    ciso: Any,
    head_a: Any,
    dept_a: Any,
) -> None:
    support = SupportRequest.objects.create(
        department=dept_a,
        need="We need a vault for the deploy pipeline.",
        due_date=timezone.localdate() + dt.timedelta(days=40),
        requested_by=head_a,
    )
    login("ciso")
    requests = page.locator("#dashboard-commitments")
    expect(requests).to_contain_text("Open requests from the business")
    assert_accessible(page)
    requests.get_by_role("link", name="We need a vault for the deploy pipeline.").click()

    expect(page.get_by_label("What")).to_have_value("We need a vault for the deploy pipeline.")
    assert_accessible(page)
    page.get_by_label("What").fill("Vault for the deploy pipeline")
    page.get_by_label("Owner").select_option(label=ciso.get_full_name() or ciso.username)
    page.get_by_role("button", name="Accept as a commitment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Vault for the deploy pipeline")
    expect(page.get_by_text("a request from Infrastructure")).to_be_visible()
    commitment = Commitment.objects.get()
    assert commitment.request == support
    assert commitment.owner == ciso
    support.refresh_from_db()
    assert support.status == RequestStatus.ACCEPTED
