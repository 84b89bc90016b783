"""Actual spend imported from the finance system's CSV or XLSX: checked row by row, all or
nothing, and the same file twice changes nothing."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from business_cases import budget
from business_cases.models import Spend
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal
IMPORT = reverse("business_cases:spend-import")


def csv_file(*rows: str, name: str = "spend.csv") -> SimpleUploadedFile:
    text = "initiative,year,kind,amount,description\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def post(client: Any, upload: SimpleUploadedFile) -> Any:
    return client.post(IMPORT, {"file": upload, "year": budget.this_year()})


def test_a_good_file_is_imported_and_the_same_file_again_changes_nothing(
    client: Any, ciso: Any
) -> None:
    factories.InitiativeFactory(title="Roll out SSO + MFA")
    factories.InitiativeFactory(title="EDR on all laptops")
    client.force_login(ciso)
    rows = (
        "Roll out SSO + MFA,2026,one-off,25000.00,Integration invoice",
        'edr on all laptops,2026,running,"1,750.50",Licences for November',
    )
    response = post(client, csv_file(*rows))
    assert response.status_code == 302
    assert Spend.objects.count() == 2
    edr = Spend.objects.get(initiative__title="EDR on all laptops")
    assert (edr.amount, edr.kind, edr.entered_by) == (D("1750.50"), "running", ciso)
    response = post(client, csv_file(*rows))
    assert response.status_code == 302 and Spend.objects.count() == 2
    page = client.get(response.url).content.decode()
    assert "0 spend lines imported; 2 already recorded, left alone." in page


def test_three_bad_rows_are_named_and_nothing_is_saved(client: Any, ciso: Any) -> None:
    factories.InitiativeFactory(title="Roll out SSO + MFA")
    client.force_login(ciso)
    response = post(
        client,
        csv_file(
            "Roll out SSO + MFA,2026,one-off,25000.00,Good row",
            "No such initiative,2026,one-off,10,Invoice",
            "Roll out SSO + MFA,1999,yearly,10,Invoice",
            "Roll out SSO + MFA,2026,running,-5,",
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Row 3: no initiative is called “No such initiative”." in html
    assert "Row 4: the year must be between 2000 and 2100. the kind must be one-off" in html
    assert "Row 5: the amount must be between 0.01" in html and "description is missing" in html
    assert "Row 2" not in html
    assert not Spend.objects.exists()


def test_an_xlsx_file_is_read_and_a_broken_one_refused(client: Any, ciso: Any) -> None:
    factories.InitiativeFactory(title="Secrets manager")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Description", "Amount", "Kind", "Year", "Initiative"])  # any order
    sheet.append(["Migration sprint", 15000, "one-off", 2026, "Secrets manager"])
    data = io.BytesIO()
    book.save(data)
    client.force_login(ciso)
    upload = SimpleUploadedFile("spend.xlsx", data.getvalue())
    assert post(client, upload).status_code == 302
    assert Spend.objects.get().amount == D("15000")
    broken = SimpleUploadedFile("spend.xlsx", data.getvalue()[:200])
    response = post(client, broken)
    assert (
        response.status_code == 422 and "not an Excel workbook (.xlsx)" in response.content.decode()
    )
    missing = SimpleUploadedFile("spend.csv", b"initiative,amount\nx,1\n")
    response = post(client, missing)
    assert "Missing column(s): year, kind, description." in response.content.decode()
    assert Spend.objects.count() == 1


def test_only_the_security_team_imports(client: Any, executive: Any, head_a: Any) -> None:
    for user in (executive, head_a):
        client.force_login(user)
        assert post(client, csv_file("x,2026,one-off,1,y")).status_code == 403
        assert client.get(reverse("business_cases:spend-template")).status_code == 403
    assert not Spend.objects.exists()
