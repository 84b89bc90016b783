"""The SMTP backend puts on the wire what Django's own would, with less work: the same
headers, parts and bodies, byte for byte once the boundaries are the same, for plain,
non-ASCII, long-headed, HTML and calendar emails (alignment/conf/mail.py)."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection

from alignment.conf import mail
from tests.smtp_server import SmtpServer

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
BOUNDARY = re.compile(rb"===============[0-9a-f]+==|===============\d+==")


def _messages() -> list[EmailMessage]:
    plain = EmailMessage("Quarterly review", "See you on Tuesday.\n", to=["ana@example.org"])
    accented = EmailMultiAlternatives(
        "Réunion sécurité : l’agenda",
        "Bonjour Zoë,\nà mardi.\n",
        from_email="Équipe sécurité <ciso@example.org>",
        to=["Zoë Müller <zoe@example.org>", "bob@example.org"],
        cc=["Señor Núñez <nunez@example.org>"],
    )
    accented.attach_alternative("<p>Bonjour <b>Zoë</b>, à mardi.</p>", "text/html")
    long_subject = EmailMultiAlternatives(
        "Reminder: " + "Board risk appetite and security investment review " * 3,
        "x" * 2000,
        to=["a.very.long.address.of.someone.in.finance@example.org"],
        headers={"Message-ID": "<reminder-123@example.org>", "X-Entity": "a; b, c " * 20},
    )
    long_subject.attach_alternative("<p>" + "y" * 3000 + "</p>", "text/html")
    invite = EmailMultiAlternatives("Invitation: one-on-one", "Join us.", to=["c@example.org"])
    invite.attach_alternative("<p>Join us.</p>", "text/html")
    invite.attach("invite.ics", ICS, "text/calendar; method=REQUEST")
    return [plain, accented, long_subject, invite]


def _django_bytes(message: EmailMessage) -> bytes:
    return message.message().as_bytes(linesep="\r\n")


def _same_boundaries(data: bytes) -> bytes:
    names = {found: b"B%d" % n for n, found in enumerate(dict.fromkeys(BOUNDARY.findall(data)))}
    return BOUNDARY.sub(lambda m: names[m.group()], data)


@pytest.mark.parametrize("n", range(4))
def test_the_backend_writes_the_bytes_djangos_backend_writes(n: int) -> None:
    ours = _same_boundaries(mail.as_bytes(_messages()[n]))
    theirs = _same_boundaries(_django_bytes(_messages()[n]))
    # The date may straddle a second and the Message-ID is drawn anew; the rest is equal.
    drawn = re.compile(rb"^(Date|Message-ID): .*\r\n", re.M)
    assert drawn.sub(b"", ours) == drawn.sub(b"", theirs)
    assert ours.count(b"\r\nDate: ") == theirs.count(b"\r\nDate: ") == 1
    parsed = email.message_from_bytes(ours, policy=policy.default)
    assert parsed["To"] is not None


def test_a_real_server_receives_what_a_reader_decodes(smtp: SmtpServer) -> None:
    sent = get_connection().send_messages(_messages())
    assert sent == 4
    with smtp.inbox.lock:  # parsed again, by the modern API a mail reader would use
        received = [
            email.message_from_bytes(m.as_bytes(), policy=policy.default)
            for m in smtp.inbox.messages
        ]
    assert len(received) == 4
    accented = received[1]
    assert accented["Subject"] == "Réunion sécurité : l’agenda"
    assert "Zoë Müller" in accented["To"]
    html = accented.get_body(preferencelist=("html",))
    assert html is not None and "Zoë" in html.get_content()
    invite = received[3]
    calendars = [p for p in invite.walk() if p.get_content_type() == "text/calendar"]
    assert calendars and "METHOD:REQUEST" in calendars[0].get_content()


@pytest.mark.parametrize(
    "value",
    [
        'multipart/alternative; boundary="===============1234567890123456789=="',
        'multipart/mixed; boundary="' + "=" * 60 + '"',  # too long for its own line
        "text/calendar; method=REQUEST; charset=utf-8",
        'multipart/alternative; boundary="a b"; charset="utf-8"' * 2,
        "attachment; filename=" + "q" * 70,
        "short; enough",
    ],
)
def test_headers_are_folded_as_compat32_folds_them(value: str) -> None:
    compat32 = policy.compat32.clone(linesep="\r\n")
    assert mail.POLICY.clone(linesep="\r\n").fold_binary("Content-Type", value) == (
        compat32.fold_binary("Content-Type", value)
    )
