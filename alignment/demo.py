"""The demo's alignment: links between initiatives and goals, and impact assessments.

Called by `seed_demo` with the goals, departments and initiatives the lower apps' demos made
(departments/demo.py, objectives/demo.py). Like the rest of the demo, every row is looked
up by its natural key and created only when missing. The friction budgets the assessments
count against are set with the departments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from alignment import packs, reviews
from alignment.models import (
    AlignmentLink,
    BoardPack,
    ImpactAssessment,
    PostureReport,
    ProgrammeEmail,
    Verdict,
)
from departments.demo import days
from departments.models import Department, Goal
from objectives.models import Initiative

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# One row per record, laid out by hand (see departments/demo.py).
# fmt: off

# (initiative, goal, relation, rationale[, mitigation]): a conflict without one is open.
LINKS: tuple[tuple[str, ...], ...] = (
    ("Roll out SSO + MFA", "99.95 % uptime", "supports",
     "Fewer outages caused by compromised admin accounts."),
    ("Roll out SSO + MFA", "New hires productive on day one", "supports",
     "One account to create on day one instead of twelve."),
    ("Self-service access requests", "New hires productive on day one", "supports",
     "New hires request their tools themselves, approved in minutes."),
    ("SOC 2 readiness", "Triple annual revenue", "supports",
     "Enterprise buyers ask for a SOC 2 report before they sign."),
    ("SOC 2 readiness", "Close 40 enterprise deals", "supports",
     "Removes the most common blocker in enterprise deals."),
    ("SOC 2 readiness", "Clean external audit", "supports",
     "The same control evidence serves both audits."),
    ("Customer trust centre", "Questionnaires answered in 3 days", "supports",
     "Customers find approved answers and the SOC 2 report themselves."),
    ("Customer trust centre", "Sales cycle under 60 days", "supports",
     "The security review no longer stalls deals."),
    ("Backup restore tests", "MTTR under 30 min", "supports",
     "Restores are rehearsed, not improvised."),
    ("Backup restore tests", "99.95 % uptime", "supports",
     "Proven recovery shortens data-loss outages."),
    ("Vendor risk reviews", "Cut vendor spend by 10 %", "supports",
     "Reviews surface duplicate and unused tools."),
    ("DLP for customer data", "GDPR records complete", "supports",
     "Shows where customer data actually flows."),
    ("Secrets manager", "p95 deploy time under 15 min", "neutral",
     "Pipelines read secrets at run time; no extra step."),
    ("Phishing simulation", "Time-to-hire under 35 days", "neutral",
     "Reaches staff, not the hiring process."),
    ("Quarterly access reviews", "GDPR records complete", "neutral",
     "Same systems, separate records."),
    ("Change-approval gate", "p95 deploy time under 15 min", "conflicts",
     "An approval adds waiting time to every production deploy.",
     "Standard changes are pre-approved; only schema and network changes wait."),
    ("EDR on all laptops", "Release every week", "conflicts",
     "Real-time scanning slows local builds.",
     "Build folders are excluded from scanning after a joint test with Product."),
    ("Quarterly access reviews", "Close the books in 5 days", "conflicts",
     "Finance's review fell in the close week.",
     "Finance reviews moved to the second week of each quarter."),
    ("DLP for customer data", "Triple annual revenue", "conflicts",
     "Blocking rules may hold proposals and price lists sent to prospects."),
    ("DLP for customer data", "Contract turnaround under 5 days", "conflicts",
     "Blocking rules may hold contracts sent to customers.",
     "Legal's contract mailbox is allow-listed; held mail is reviewed within the hour."),
    ("Change-approval gate", "Ship checkout v2 by Q3", "conflicts",
     "Approval waits may push checkout releases past Q3."),
    ("Vendor risk reviews", "Contract turnaround under 5 days", "conflicts",
     "A vendor review adds days before Legal can sign a supplier."),
)

# initiative: (mitigation plan, support offered), shared by its impact assessments
SOFTENING = {
    "Roll out SSO + MFA": ("Push approval; 12-hour sessions on managed laptops.",
                           "15-minute enrolment slots; hardware keys for travellers."),
    "Change-approval gate": ("Standard changes pre-approved; approvals answered in chat.",
                             "A security engineer on the approval rota in business hours."),
    "EDR on all laptops": ("Build folders excluded; rollout in waves with a rollback.",
                           "The security team answers agent issues the same day."),
    "Backup restore tests": ("Drills scheduled outside release weeks.",
                             "Security writes the runbook and joins every drill."),
    "Secrets manager": ("A script moves the existing secrets.",
                        "Pairing sessions with each service team."),
    "Quarterly access reviews": ("Reviews kept out of the close week.",
                                 "Security prepares the lists; reviewers only confirm."),
    "SOC 2 readiness": ("Evidence collected automatically where possible.",
                        "Policy templates pre-filled by the security team."),
    "Vendor risk reviews": ("Low-risk vendors get a one-page review.",
                            "Security fills in the questionnaire with the buyer."),
    "DLP for customer data": ("Monitor-only for the first month.",
                              "Weekly rule tuning with each department."),
    "Phishing simulation": ("No names reported to managers.",
                            "Short training only for those who click."),
    "Customer trust centre": ("Sales points customers to the trust centre first.",
                              "Security answers new questions within a day."),
}

# (initiative, department, hours/week, people affected, processes touched,
#  head's agreement, head's comment)
ASSESSMENTS = (
    ("Roll out SSO + MFA", "infrastructure", 2.0, 25, "Admin consoles; on-call break-glass",
     "agreed", "Fine as long as break-glass works at 3 am."),
    ("Roll out SSO + MFA", "sales", 3.0, 40, "CRM logins while travelling",
     "agreed", "Hardware keys for the field team, please."),
    ("Roll out SSO + MFA", "human-resources", 1.0, 8, "HR system logins; new-hire accounts",
     "pending", ""),
    ("Change-approval gate", "infrastructure", 8.0, 18, "Deploys; migrations; network changes",
     "disagreed", "Eight hours a week is more than we can absorb this quarter."),
    ("Change-approval gate", "product", 4.0, 22, "Feature releases; hotfixes", "pending", ""),
    ("EDR on all laptops", "infrastructure", 1.5, 25, "Local builds; laptop performance",
     "agreed", "Acceptable after the build-folder test."),
    ("EDR on all laptops", "product", 2.0, 30, "Local builds; design tools",
     "agreed", "Acceptable."),
    ("Backup restore tests", "infrastructure", 3.0, 4, "Monthly restore drill",
     "agreed", "Worth it."),
    ("Secrets manager", "infrastructure", 2.5, 12, "CI pipelines; service configuration",
     "pending", ""),
    ("Quarterly access reviews", "finance", 2.0, 6, "ERP and banking access review",
     "agreed", "Fine outside the close week."),
    ("SOC 2 readiness", "legal", 3.0, 3, "Policy reviews; customer contract clauses",
     "agreed", "It helps our contract answers too."),
    ("SOC 2 readiness", "human-resources", 1.5, 4, "Background checks; offboarding evidence",
     "pending", ""),
    ("Vendor risk reviews", "finance", 1.5, 5, "Purchase approvals for new suppliers",
     "disagreed", "Purchases already take two weeks."),
    ("Vendor risk reviews", "legal", 2.0, 3, "Supplier contracts", "pending", ""),
    ("DLP for customer data", "sales", 2.5, 40, "Sending proposals; sharing files",
     "disagreed", "Held proposals in the quarter we must triple revenue: not before the "
     "rules are tuned."),
    ("Phishing simulation", "human-resources", 0.5, 60, "Inbox; yearly training",
     "agreed", "Short and useful."),
    ("Customer trust centre", "sales", 1.0, 6, "Customer questionnaires",
     "agreed", "Saves us days per deal."),
)

# fmt: on


def seed_alignment(
    *,
    initiatives: Mapping[str, Initiative],
    goals: Mapping[str, Goal],
    departments: Mapping[str, Department],
) -> None:
    """The links (initiatives and goals by title), then the impact assessments (by slug)."""
    seed_links(initiatives=initiatives, goals=goals)
    seed_assessments(initiatives=initiatives, departments=departments)


def seed_links(*, initiatives: Mapping[str, Initiative], goals: Mapping[str, Goal]) -> None:
    linked_at = timezone.now() - days(40)
    for initiative, goal, relation, rationale, *mitigation in LINKS:
        link, created = AlignmentLink.objects.get_or_create(
            initiative=initiatives[initiative],
            goal=goals[goal],
            defaults={
                "relation": relation,
                "rationale": rationale,
                "mitigation": "".join(mitigation),
            },
        )
        if created:  # the activity feed reads who did it, and when
            owner = initiatives[initiative].owner
            AlignmentLink.history.filter(id=link.pk).update(
                history_date=linked_at, history_user=owner
            )


def seed_assessments(
    *, initiatives: Mapping[str, Initiative], departments: Mapping[str, Department]
) -> None:
    assessed_at = timezone.now() - days(20)
    answered_at = timezone.now() - days(6)
    for title, slug, hours, people, processes, agreement, comment in ASSESSMENTS:
        initiative = initiatives[title]
        mitigation_plan, support_offered = SOFTENING[title]
        assessment, created = ImpactAssessment.objects.get_or_create(
            initiative=initiative,
            department=departments[slug],
            defaults={
                "hours_per_week": Decimal(str(hours)),
                "people_affected": people,
                "processes_touched": processes,
                "mitigation_plan": mitigation_plan,
                "support_offered": support_offered,
                "assessed_by": initiative.owner,
            },
        )
        if not created:
            continue
        # Assessed three weeks ago, answered by the head last week: two steps of the
        # history, which the activity feed tells as sentences.
        ImpactAssessment.history.filter(id=assessment.pk).update(
            history_date=assessed_at, history_user=initiative.owner
        )
        if agreement != "pending":
            assessment.head_agreement, assessment.head_comment = agreement, comment
            assessment.head_answered_at = answered_at
            assessment.save(update_fields=["head_agreement", "head_comment", "head_answered_at"])
            ImpactAssessment.history.filter(id=assessment.pk, history_type="~").update(
                history_date=answered_at, history_user=departments[slug].head
            )


def seed_review(*, ciso: User, today: dt.date) -> None:
    """Last quarter's programme review, walked and finished: the next one compares with it."""
    last_quarter = reviews.quarter_start(today) - dt.timedelta(days=1)
    review, created = reviews.open_review(today=last_quarter)
    if not created:
        return
    review.items.update(
        relevant=True, effective=True, verdict=Verdict.KEEP, note="Kept, as agreed."
    )
    review.items.filter(initiative__title="DLP for customer data").update(
        verdict=Verdict.ADJUST, note="Sales refused the assessment: rework the rollout with them."
    )
    reviews.finish(review, by=ciso)


def seed_board_pack(*, ciso: User, executive: User, today: dt.date) -> BoardPack | None:
    """Last quarter's board pack, frozen on its last day and approved, so that this
    quarter's report shows at once what changed since the board last looked.

    Its PDF needs WeasyPrint's system libraries (Pango); without them the demo has no
    pack, and says why.
    """
    quarter = reviews.quarter_start(today)
    last_day = quarter - dt.timedelta(days=1)
    period = reviews.quarter_start(last_day)
    zone = timezone.get_current_timezone()
    frozen_at = dt.datetime.combine(last_day, dt.time(17, 0), tzinfo=zone)
    report, _ = PostureReport.objects.get_or_create(
        period=period,
        defaults={
            "narratives": {
                "measures": "Phishing resilience is on target; MFA coverage is still amber "
                "while the last teams move to SSO.",
                "friction": "Infrastructure carries most of the added hours: the change-"
                "approval gate is being reworked with them.",
            }
        },
    )
    try:
        pack = packs.freeze(report, by=ciso, now=frozen_at)
    except OSError:  # WeasyPrint could not load Pango
        return None
    pack = packs.approve(pack, by=executive, now=frozen_at + dt.timedelta(days=3))
    # History: its emails went out back then, not when the demo starts.
    ProgrammeEmail.objects.filter(pack=pack).delete()
    return pack
