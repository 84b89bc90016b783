"""Impact assessments: the CISO edits them, the head of the department answers them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment.models import Agreement, ImpactAssessment
from objectives.models import InitiativeStatus
from tests import factories
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db


ASSESSMENT_FORM = {
    "hours_per_week": "3.5",
    "people_affected": "12",
    "processes_touched": "Deploys",
    "mitigation_plan": "Pre-approved standard changes.",
    "support_offered": "An engineer on the rota.",
}


@pytest.fixture
def initiative(ciso: Any) -> Any:
    return factories.InitiativeFactory(title="Change-approval gate", owner=ciso)


@pytest.fixture
def assessment(initiative: Any, dept_a: Any) -> Any:
    return factories.AssessmentFactory(
        initiative=initiative, department=dept_a, hours_per_week=Decimal("4.0")
    )


def edit_url(assessment: Any) -> str:
    return reverse("alignment:assessment-edit", args=[assessment.pk])


def answer_url(assessment: Any) -> str:
    return reverse("alignment:assessment-answer", args=[assessment.pk])


# --- The CISO's editor ----------------------------------------------------------------


def test_ciso_creates_an_assessment_choosing_the_department(
    client: Any, ciso: Any, initiative: Any, dept_a: Any
) -> None:
    client.force_login(ciso)
    url = reverse("alignment:assessment-create", args=[initiative.pk])
    response = client.post(url, {**ASSESSMENT_FORM, "department": dept_a.pk})
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    created = ImpactAssessment.objects.get(initiative=initiative, department=dept_a)
    assert created.hours_per_week == Decimal("3.5")
    assert created.assessed_by == ciso
    assert created.head_agreement == Agreement.PENDING


def test_create_form_preselects_the_department_from_the_query(
    client: Any, ciso: Any, initiative: Any, dept_a: Any, dept_b: Any
) -> None:
    client.force_login(ciso)
    url = reverse("alignment:assessment-create", args=[initiative.pk])
    response = client.get(url, {"department": dept_b.slug})
    assert response.status_code == 200
    assert f'<option value="{dept_b.pk}" selected>' in response.text
    assert "Friction budget of Sales" in response.text


def test_duplicate_pair_gets_a_form_error_not_a_500(
    client: Any, ciso: Any, assessment: Any, initiative: Any, dept_a: Any
) -> None:
    client.force_login(ciso)
    url = reverse("alignment:assessment-create", args=[initiative.pk])
    response = client.post(url, {**ASSESSMENT_FORM, "department": dept_a.pk})
    assert response.status_code == 422  # an invalid form, in place
    assert "Infrastructure already has an impact assessment for this initiative" in response.text
    assert ImpactAssessment.objects.filter(initiative=initiative).count() == 1


def test_negative_hours_are_refused(client: Any, ciso: Any, assessment: Any) -> None:
    client.force_login(ciso)
    data = {**ASSESSMENT_FORM, "hours_per_week": "-2", "version": assessment.version}
    response = client.post(edit_url(assessment), data)
    assert response.status_code == 422  # an invalid form, in place
    assert "Ensure this value is greater than or equal to 0" in response.text
    assessment.refresh_from_db()
    assert assessment.hours_per_week == Decimal("4.0")


@pytest.mark.parametrize("hours", ["10000.1", "99999", "9999999.9"])
def test_hours_beyond_a_department_s_week_are_refused(
    client: Any, ciso: Any, assessment: Any, hours: str
) -> None:
    client.force_login(ciso)
    data = {**ASSESSMENT_FORM, "hours_per_week": hours, "version": assessment.version}
    response = client.post(edit_url(assessment), data)
    assert response.status_code == 422  # an invalid form, in place
    assert "At most 10000 hours a week" in response.text
    assessment.refresh_from_db()
    assert assessment.hours_per_week == Decimal("4.0")


def test_the_database_refuses_hours_beyond_the_bound(assessment: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactAssessment.objects.filter(pk=assessment.pk).update(hours_per_week=Decimal("10001"))


def test_ciso_edits_an_assessment_and_the_version_rises(
    client: Any, ciso: Any, assessment: Any
) -> None:
    client.force_login(ciso)
    form_page = client.get(edit_url(assessment))
    assert f'name="version" value="{assessment.version}"' in form_page.text
    assert 'name="department"' not in form_page.text  # an assessment keeps its department
    data = {**ASSESSMENT_FORM, "people_affected": "30", "version": assessment.version}
    response = client.post(edit_url(assessment), data)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.people_affected == 30
    assert assessment.version == 2


def test_stale_assessment_save_is_refused_with_who_and_when(
    client: Any, ciso: Any, assessment: Any
) -> None:
    client.force_login(ciso)
    first = {**ASSESSMENT_FORM, "people_affected": "1", "version": assessment.version}
    second = {**ASSESSMENT_FORM, "people_affected": "2", "version": assessment.version}
    assert client.post(edit_url(assessment), first).status_code == 302

    response = client.post(edit_url(assessment), second)

    assert response.status_code == 422  # an invalid form, in place
    assert "Changed by" in response.text and "review and retry" in response.text
    assert "Saved meanwhile" in response.text
    assessment.refresh_from_db()
    assert assessment.people_affected == 1
    # The re-rendered form carries the stored version: a reviewed retry goes through.
    assert f'name="version" value="{assessment.version}"' in response.text
    retry = {**second, "version": assessment.version}
    assert client.post(edit_url(assessment), retry).status_code == 302


def test_changing_the_hours_of_an_agreed_assessment_asks_the_head_again(
    client: Any, ciso: Any, assessment: Any
) -> None:
    ImpactAssessment.objects.filter(pk=assessment.pk).update(
        head_agreement=Agreement.AGREED, head_comment="Fine."
    )
    client.force_login(ciso)
    data = {**ASSESSMENT_FORM, "hours_per_week": "6", "version": assessment.version}
    response = client.post(edit_url(assessment), data, follow=True)
    assert "awaits the head" in response.text and "answer again" in response.text
    assessment.refresh_from_db()
    assert assessment.head_agreement == Agreement.PENDING
    assert assessment.head_answered_at is None


def test_other_edits_keep_the_heads_agreement(client: Any, ciso: Any, assessment: Any) -> None:
    ImpactAssessment.objects.filter(pk=assessment.pk).update(head_agreement=Agreement.AGREED)
    client.force_login(ciso)
    data = {
        **ASSESSMENT_FORM,
        "hours_per_week": "4.0",
        "support_offered": "More help",
        "version": assessment.version,
    }
    assert client.post(edit_url(assessment), data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.head_agreement == Agreement.AGREED


def test_reopen_rule_on_the_model() -> None:
    a = ImpactAssessment(hours_per_week=Decimal("5"), head_agreement=Agreement.DISAGREED)
    assert a.reopen_if_hours_changed(Decimal("5")) is False
    assert a.head_agreement == Agreement.DISAGREED
    assert a.reopen_if_hours_changed(Decimal("4")) is True
    assert a.head_agreement == Agreement.PENDING
    assert a.reopen_if_hours_changed(Decimal("3")) is False  # already pending


def test_editor_shows_the_heads_answer(client: Any, ciso: Any, assessment: Any) -> None:
    ImpactAssessment.objects.filter(pk=assessment.pk).update(
        head_agreement=Agreement.DISAGREED, head_comment="Too much before the release."
    )
    client.force_login(ciso)
    response = client.get(edit_url(assessment))
    assert "Disagreed" in response.text
    assert "Too much before the release." in response.text


def test_editor_flags_over_budget_including_the_proposed_hours(
    client: Any, ciso: Any, assessment: Any, dept_a: Any
) -> None:
    dept_a.friction_budget_hours = Decimal("10")
    dept_a.save()
    factories.AssessmentFactory(department=dept_a, hours_per_week=Decimal("5"))
    client.force_login(ciso)

    within = client.get(edit_url(assessment))  # 5 + 4 of 10
    assert "9 h/week" in within.text and "Within budget" in within.text

    preview = client.get(
        edit_url(assessment), {"hours_per_week": "6"}, HTTP_HX_TARGET="friction-preview", **HTMX
    )
    assert preview.status_code == 200
    assert preview.text.lstrip().startswith('<section id="friction-preview"')
    assert "<html" not in preview.text
    assert "11 h/week" in preview.text and "Over budget" in preview.text

    posted = client.post(
        edit_url(assessment), {**ASSESSMENT_FORM, "hours_per_week": "7", "people_affected": "x"}
    )
    assert "12 h/week" in posted.text and "Over budget" in posted.text


def test_create_preview_follows_the_chosen_department(
    client: Any, ciso: Any, initiative: Any, dept_b: Any
) -> None:
    dept_b.friction_budget_hours = Decimal("2")
    dept_b.save()
    client.force_login(ciso)
    url = reverse("alignment:assessment-create", args=[initiative.pk])
    without = client.get(url, HTTP_HX_TARGET="friction-preview", **HTMX)
    assert "Choose a department" in without.text
    preview = client.get(
        url,
        {"department": dept_b.pk, "hours_per_week": "3"},
        HTTP_HX_TARGET="friction-preview",
        **HTMX,
    )
    assert "Friction budget of Sales" in preview.text
    assert "Over budget" in preview.text


def test_cancelled_initiative_hours_do_not_count_in_the_editor(
    client: Any, ciso: Any, assessment: Any, initiative: Any, dept_a: Any
) -> None:
    initiative.status = InitiativeStatus.CANCELLED
    initiative.save()
    dept_a.friction_budget_hours = Decimal("1")
    dept_a.save()
    client.force_login(ciso)
    response = client.get(edit_url(assessment))
    assert "its hours do not count" in response.text
    assert "Within budget" in response.text


def test_a_non_htmx_request_with_preview_params_gets_the_whole_page(
    client: Any, ciso: Any, assessment: Any
) -> None:
    client.force_login(ciso)
    response = client.get(edit_url(assessment), {"hours_per_week": "6"})
    assert "<html" in response.text and 'id="assessment-form"' in response.text


@pytest.mark.parametrize("who", ["executive", "head_a", "head_b"])
def test_only_the_security_team_edits_assessments(
    client: Any, request: pytest.FixtureRequest, who: str, assessment: Any, initiative: Any
) -> None:
    request.getfixturevalue("dept_b")
    client.force_login(request.getfixturevalue(who))
    data = {**ASSESSMENT_FORM, "hours_per_week": "40", "version": assessment.version}
    expected = {403, 404}
    assert client.post(edit_url(assessment), data).status_code in expected
    assert client.get(edit_url(assessment)).status_code in expected
    create = reverse("alignment:assessment-create", args=[initiative.pk])
    assert client.post(create, {**data, "department": assessment.department_id}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.hours_per_week == Decimal("4.0")
    assert ImpactAssessment.objects.count() == 1


def test_head_of_another_department_cannot_even_see_the_editor(
    client: Any, head_b: Any, dept_b: Any, assessment: Any
) -> None:
    client.force_login(head_b)
    assert client.get(edit_url(assessment)).status_code == 404


def test_editor_wrong_method(client: Any, ciso: Any, assessment: Any, initiative: Any) -> None:
    client.force_login(ciso)
    assert client.delete(edit_url(assessment)).status_code == 405
    create = reverse("alignment:assessment-create", args=[initiative.pk])
    assert client.put(create).status_code == 405


def test_initiative_page_links_the_editor_for_the_ciso_only(
    client: Any, ciso: Any, executive: Any, assessment: Any, initiative: Any
) -> None:
    create = reverse("alignment:assessment-create", args=[initiative.pk])
    client.force_login(ciso)
    page = client.get(initiative.get_absolute_url()).text
    assert edit_url(assessment) in page and create in page
    client.force_login(executive)
    page = client.get(initiative.get_absolute_url()).text
    assert edit_url(assessment) not in page and create not in page
    assert "Infrastructure" in page  # executives still read the assessment


def count_queries(client: Any, method: str, url: str, **kwargs: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code < 400, response.status_code
    return len(queries)


def add_assessments(department: Any, count: int) -> None:
    for _ in range(count):
        factories.AssessmentFactory(department=department)


def test_editor_query_count_does_not_grow_with_the_data(
    client: Any, ciso: Any, assessment: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ciso)
    add_assessments(dept_a, 3)
    url = edit_url(assessment)
    create = reverse("alignment:assessment-create", args=[assessment.initiative_id])
    with django_assert_max_num_queries(12):
        client.get(url)
    small = (count_queries(client, "get", url), count_queries(client, "get", create))
    add_assessments(dept_a, 30)
    factories.DepartmentFactory.create_batch(20)
    large = (count_queries(client, "get", url), count_queries(client, "get", create))
    assert small == large


# --- The head's answer ----------------------------------------------------------------


def test_head_agrees_in_place_with_htmx(client: Any, head_a: Any, assessment: Any) -> None:
    client.force_login(head_a)
    data = {"head_agreement": "agreed", "head_comment": "Fine.", "version": assessment.version}
    response = client.post(answer_url(assessment), data, **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<li id="assessment-row-{assessment.pk}"')
    assert "<html" not in response.text
    assert "Agreed" in response.text
    assert "Your answer is recorded: the security team sees it on the assessment." in response.text
    assessment.refresh_from_db()
    assert assessment.head_agreement == Agreement.AGREED
    assert assessment.head_comment == "Fine."
    assert assessment.head_answered_at is not None
    assert assessment.version == 2
    # The fresh form carries the new version, so a second answer from the row works.
    assert f'name="version" value="{assessment.version}"' in response.text


def test_head_answer_without_htmx_redirects_to_the_department(
    client: Any, head_a: Any, dept_a: Any, assessment: Any
) -> None:
    client.force_login(head_a)
    data = {"head_agreement": "disagreed", "head_comment": "Too much.", "version": 1}
    response = client.post(answer_url(assessment), data)
    assert response.status_code == 302
    assert response["Location"] == f"{dept_a.get_absolute_url()}#assessment-row-{assessment.pk}"
    assessment.refresh_from_db()
    assert assessment.head_agreement == Agreement.DISAGREED


def test_disagreeing_needs_a_comment_shown_in_place(
    client: Any, head_a: Any, assessment: Any
) -> None:
    client.force_login(head_a)
    data = {"head_agreement": "disagreed", "head_comment": "  ", "version": assessment.version}
    response = client.post(answer_url(assessment), data, **HTMX)
    assert response.status_code == 422
    assert "Say why you disagree" in response.text
    assert response.text.lstrip().startswith(f'<li id="assessment-row-{assessment.pk}"')
    assessment.refresh_from_db()
    assert assessment.head_agreement == Agreement.PENDING


def test_disagreeing_without_a_comment_and_without_htmx_shows_a_page(
    client: Any, head_a: Any, assessment: Any
) -> None:
    client.force_login(head_a)
    data = {"head_agreement": "disagreed", "head_comment": "", "version": assessment.version}
    response = client.post(answer_url(assessment), data)
    assert response.status_code == 422
    assert "<html" in response.text and "Say why you disagree" in response.text


def test_an_answer_must_be_agree_or_disagree(client: Any, head_a: Any, assessment: Any) -> None:
    client.force_login(head_a)
    data = {"head_agreement": "pending", "head_comment": "", "version": assessment.version}
    response = client.post(answer_url(assessment), data, **HTMX)
    assert response.status_code == 422
    assessment.refresh_from_db()
    assert assessment.head_answered_at is None


def test_stale_answer_is_refused_and_shows_the_stored_answer(
    client: Any, head_a: Any, ciso: Any, assessment: Any
) -> None:
    old_version = assessment.version
    client.force_login(ciso)
    client.post(edit_url(assessment), {**ASSESSMENT_FORM, "version": old_version})
    client.force_login(head_a)
    data = {"head_agreement": "agreed", "head_comment": "", "version": old_version}
    response = client.post(answer_url(assessment), data, **HTMX)
    assert response.status_code == 422
    assert "Changed by" in response.text and "review and retry" in response.text
    assert "3.5 h" in response.text  # the hours as the CISO saved them
    assessment.refresh_from_db()
    assert assessment.head_agreement == Agreement.PENDING
    retry = {**data, "version": assessment.version}
    assert client.post(answer_url(assessment), retry, **HTMX).status_code == 200


def test_head_of_sales_cannot_answer_an_infrastructure_assessment(
    client: Any, head_b: Any, dept_b: Any, assessment: Any
) -> None:
    client.force_login(head_b)
    data = {"head_agreement": "agreed", "head_comment": "", "version": assessment.version}
    assert client.post(answer_url(assessment), data, **HTMX).status_code == 404
    assert client.get(answer_url(assessment)).status_code == 404
    assessment.refresh_from_db()
    assert assessment.head_agreement == Agreement.PENDING


@pytest.mark.parametrize("who", ["ciso", "executive", "admin_user"])
def test_only_the_head_answers(
    client: Any, request: pytest.FixtureRequest, who: str, assessment: Any
) -> None:
    client.force_login(request.getfixturevalue(who))
    data = {"head_agreement": "agreed", "head_comment": "", "version": assessment.version}
    assert client.post(answer_url(assessment), data).status_code == 403
    assessment.refresh_from_db()
    assert assessment.head_agreement == Agreement.PENDING


def test_key_leader_reads_but_cannot_answer(client: Any, dept_a: Any, assessment: Any) -> None:
    leader = factories.UserFactory(username="sre-lead")
    dept_a.key_leaders.add(leader)
    client.force_login(leader)
    assert client.get(dept_a.get_absolute_url()).status_code == 200
    assert client.post(answer_url(assessment), {"head_agreement": "agreed"}).status_code == 403


def test_answer_wrong_method(client: Any, head_a: Any, assessment: Any) -> None:
    client.force_login(head_a)
    assert client.put(answer_url(assessment)).status_code == 405
    assert client.delete(answer_url(assessment)).status_code == 405


def test_answer_page_opened_without_htmx_is_a_whole_page(
    client: Any, head_a: Any, assessment: Any
) -> None:
    client.force_login(head_a)
    response = client.get(answer_url(assessment))
    assert response.status_code == 200
    assert "<html" in response.text and "I disagree" in response.text


def test_department_page_offers_the_answer_to_its_head_only(
    client: Any, head_a: Any, ciso: Any, dept_a: Any, assessment: Any
) -> None:
    client.force_login(head_a)
    page = client.get(dept_a.get_absolute_url()).text
    assert f'id="assessment-row-{assessment.pk}"' in page
    assert f'hx-post="{answer_url(assessment)}"' in page
    client.force_login(ciso)
    page = client.get(dept_a.get_absolute_url()).text
    assert f'id="assessment-row-{assessment.pk}"' in page
    assert answer_url(assessment) not in page
    assert edit_url(assessment) in page


def test_ciso_sees_the_heads_answer_on_the_initiative_and_department_pages(
    client: Any, head_a: Any, ciso: Any, dept_a: Any, assessment: Any
) -> None:
    client.force_login(head_a)
    data = {"head_agreement": "disagreed", "head_comment": "Not in release week.", "version": 1}
    client.post(answer_url(assessment), data, **HTMX)
    client.force_login(ciso)
    for url in (assessment.initiative.get_absolute_url(), dept_a.get_absolute_url(), "/"):
        page = client.get(url).text
        assert "Not in release week." in page, url
        assert "Disagreed" in page, url


def test_answer_query_count_does_not_grow_with_the_data(
    client: Any, head_a: Any, dept_a: Any, assessment: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(head_a)
    url = answer_url(assessment)

    def answer() -> int:
        assessment.refresh_from_db()
        data = {"head_agreement": "agreed", "head_comment": "ok", "version": assessment.version}
        return count_queries(client, "post", url, data=data, **HTMX)

    with django_assert_max_num_queries(20):
        small = answer()
    add_assessments(dept_a, 30)
    assert answer() == small


# --- The list behind the dashboard's figures ------------------------------------------


def test_assessment_list_filters_by_answer_and_department(
    client: Any, ciso: Any, dept_a: Any, dept_b: Any
) -> None:
    pending_a = factories.AssessmentFactory(department=dept_a)
    refused_b = factories.AssessmentFactory(
        department=dept_b, head_agreement=Agreement.DISAGREED, head_comment="No."
    )
    client.force_login(ciso)
    url = reverse("alignment:assessment-list")

    def titles(**params: str) -> set[str]:
        page = client.get(url, params).context["page"]
        return {a.initiative.title for a in page.object_list}

    assert titles() == {pending_a.initiative.title, refused_b.initiative.title}
    assert titles(agreement="pending") == {pending_a.initiative.title}
    assert titles(agreement="disagreed") == {refused_b.initiative.title}
    assert titles(department="sales") == {refused_b.initiative.title}
    assert titles(agreement="pending", department="sales") == set()


def test_assessment_list_leaves_out_cancelled_initiatives(client: Any, ciso: Any) -> None:
    kept = factories.AssessmentFactory()
    factories.AssessmentFactory(initiative__status=InitiativeStatus.CANCELLED)
    client.force_login(ciso)
    page = client.get(reverse("alignment:assessment-list")).context["page"]
    assert list(page.object_list) == [kept]


def test_a_head_lists_only_their_departments_assessments(
    client: Any, head_a: Any, dept_a: Any, dept_b: Any
) -> None:
    mine = factories.AssessmentFactory(department=dept_a)
    factories.AssessmentFactory(department=dept_b)
    client.force_login(head_a)
    url = reverse("alignment:assessment-list")
    assert list(client.get(url).context["page"].object_list) == [mine]
    assert list(client.get(url, {"department": "sales"}).context["page"].object_list) == [mine]


def test_assessment_list_wrong_method(client: Any, ciso: Any) -> None:
    client.force_login(ciso)
    assert client.post(reverse("alignment:assessment-list")).status_code == 405


def test_assessment_list_query_count_does_not_grow(
    client: Any, ciso: Any, dept_a: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ciso)
    url = reverse("alignment:assessment-list")
    add_assessments(dept_a, 3)
    with django_assert_max_num_queries(10):
        client.get(url, {"department": dept_a.slug})
    small = count_queries(client, "get", url, data={"department": dept_a.slug})
    add_assessments(dept_a, 30)
    factories.DepartmentFactory.create_batch(10)
    assert count_queries(client, "get", url, data={"department": dept_a.slug}) == small
