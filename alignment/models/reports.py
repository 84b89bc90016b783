"""The posture report for senior leadership, and the board packs frozen from it.

`PostureReport` is what the CISO edits for a period: a narrative per section and the
sections switched off. Its figures are computed live (alignment/posture.py) until the
CISO freezes it: a `BoardPack` stores the exact document shown (JSON with a schema
version and the SHA-256 of its canonical form) with its PDF and XLSX, and is never
recomputed. A pack's lifecycle: draft → approved (by an executive) → presented (at a
senior-leadership meeting) → superseded (by the next pack approved).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from simple_history.models import HistoricalRecords

from departments import roles

if TYPE_CHECKING:
    from departments.roles import AnyUser


def quarter_label(period: Any) -> str:
    return f"Q{(period.month - 1) // 3 + 1} {period.year}"


class PostureReport(models.Model):
    """The CISO's words around one period's figures."""

    period = models.DateField(help_text="The first day of the quarter it reports.", unique=True)
    narratives = models.JSONField(default=dict, blank=True)
    hidden_sections = models.JSONField(default=list, blank=True)
    # Raised on every versioned save: no lost updates.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period"]

    def __str__(self) -> str:
        return f"Posture report, {quarter_label(self.period)}"

    def get_absolute_url(self) -> str:
        return reverse("alignment:report")


class PackStatus(models.TextChoices):
    DRAFT = "draft", "Awaiting approval"
    APPROVED = "approved", "Approved"
    PRESENTED = "presented", "Presented"
    SUPERSEDED = "superseded", "Superseded"


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes the hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


class BoardPack(models.Model):
    """A period's report, frozen: what the board was shown, exactly, forever."""

    number = models.PositiveIntegerField(unique=True)
    period = models.DateField()
    status = models.CharField(max_length=12, choices=PackStatus.choices, default=PackStatus.DRAFT)
    schema_version = models.PositiveSmallIntegerField()
    document = models.JSONField()
    sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()
    xlsx = models.BinaryField()
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    frozen_at = models.DateTimeField()
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    presented_at = models.DateTimeField(null=True, blank=True)
    meeting = models.ForeignKey(
        "alignment.Occurrence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="board_packs",
        help_text="The senior-leadership meeting where it was discussed.",
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["document", "pdf", "xlsx"])

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PackStatus.values), name="pack_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="pack_hash_is_sha256"
            ),
            models.CheckConstraint(
                condition=Q(status=PackStatus.DRAFT)
                | Q(status=PackStatus.SUPERSEDED)
                | Q(approved_at__isnull=False),
                name="pack_approved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=PackStatus.PRESENTED) | Q(presented_at__isnull=False),
                name="pack_presented_has_time",
            ),
            # One pack at a time awaits approval: freezing again supersedes the draft.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=PackStatus.DRAFT), name="pack_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"Board pack {self.number}, {quarter_label(self.period)}"

    def get_absolute_url(self) -> str:
        return reverse("alignment:pack-detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        return quarter_label(self.period)

    def verifies(self) -> bool:
        """Whether the stored document still hashes to the stored SHA-256."""
        return digest(self.document) == self.sha256


def get_pack_for(user: AnyUser, pk: int) -> BoardPack:
    """Packs are for the security team, executives and administrators; others are refused."""
    if not roles.reads_everything(user):
        raise PermissionDenied("Board packs are for the security team and leadership.")
    return get_object_or_404(BoardPack.objects.defer("pdf", "xlsx"), pk=pk)
