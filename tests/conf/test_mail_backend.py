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


# --- Forms: one email written once, each reader's words put in ---------------------------

NAME, LINK = "@@name@@", "@@link@@"
DRAWN = re.compile(rb"^Date: .*\r\n", re.M)


def _template(title: str = "Quarterly review", text_line: str = "") -> EmailMultiAlternatives:
    text = f"Hello {NAME},\n\n{title} starts soon.\n{text_line}\nAccept: {LINK}\n"
    html = f'<p>Hello {NAME},</p>\n<p>{title} starts soon.</p>\n<a href="{LINK}">Accept</a>\n'
    message = EmailMultiAlternatives(
        f"Reminder: {title}", text, to=["x@example.org"], headers={"Message-ID": "<x@y>"}
    )
    message.attach_alternative(html, "text/html")
    return message


def _fill(form: mail.Form, name: str, link: str, to: str) -> mail.Written:
    from django.utils.html import escape

    values = {NAME: name, LINK: link}
    return form.fill(
        to=[to],
        headers={"Message-ID": f"<{abs(hash(to))}@example.org>"},
        text=values,
        html={k: escape(v) for k, v in values.items()},
    )


def _whole(message: EmailMessage) -> bytes:
    """The message written whole, as it would be without a form."""
    copy = EmailMultiAlternatives(
        message.subject, message.body, message.from_email, message.to,
        headers=message.extra_headers,
        alternatives=getattr(message, "alternatives", []),
    )  # fmt: skip
    return mail.as_bytes(copy)


def _comparable(data: bytes) -> bytes:
    return DRAWN.sub(b"", _same_boundaries(data))


READERS = [
    ("Ada Lovelace", "https://mom.example.org/answer/abc:1x:yz/", "Ada <ada@example.org>"),
    ("Zoë Müller <b>&", "https://mom.example.org/answer/é/", "Zoë Müller <zoe@example.org>"),
    ('O"Brien, Seán', "https://x.example.org/" + "a" * 300, '"O\'Brien, Seán" <s@example.org>'),
    ("", "", "bob@example.org"),
    ("Ngọc Anh " * 12, "https://x/", "Ngọc Anh Trần-Nguyễn-Phạm <" + "n" * 50 + "@example.org>"),
]


@pytest.mark.parametrize("title", ["Quarterly review", "Revue trimestrielle sécurité"])
@pytest.mark.parametrize("n", range(len(READERS)))
def test_a_filled_form_is_the_email_written_whole_byte_for_byte(title: str, n: int) -> None:
    """ASCII or not (7bit becomes 8bit), escaped in HTML, an encoded and folded To: what
    the backend sends for a reader is what writing their email whole gives."""
    form = mail.Form(_template(title), [NAME, LINK], headers=["Message-ID"])
    name, link, to = READERS[n]
    message = _fill(form, name, link, to)
    assert message.wire is not None
    assert _comparable(message.wire) == _comparable(_whole(message))
    assert message.body.startswith(f"Hello {name},")
    parsed = email.message_from_bytes(message.wire, policy=policy.default)
    assert parsed["Subject"] == f"Reminder: {title}"
    html = parsed.get_body(preferencelist=("html",))
    assert html is not None and link in html.get_content()


def test_what_a_form_cannot_write_as_it_is_is_written_whole() -> None:
    form = mail.Form(_template(), [NAME, LINK], headers=["Message-ID"])
    # A line grown past 998 bytes: Django makes the part quoted-printable.
    long = _fill(form, "Ada", "https://x/" + "a" * 1000, "ada@example.org")
    assert long.wire is None
    assert b"Content-Transfer-Encoding: quoted-printable" in mail.as_bytes(long)
    # A line ending in a value: the generator's own line endings.
    assert _fill(form, "Ada\nLovelace", "https://x/", "ada@example.org").wire is None
    # A template that is quoted-printable already, or has an attachment: never a form.
    qp = mail.Form(_template(text_line="q" * 1200), [NAME, LINK], headers=["Message-ID"])
    assert _fill(qp, "Ada", "https://x/", "ada@example.org").wire is None
    attached = _template()
    attached.attach("invite.ics", ICS, "text/calendar")
    with_file = mail.Form(attached, [NAME, LINK], headers=["Message-ID"])
    assert with_file.shape is None


def test_a_header_with_a_line_break_is_refused_as_when_written_whole() -> None:
    from django.core.mail import BadHeaderError

    form = mail.Form(_template(), [NAME, LINK], headers=["Message-ID"])
    with pytest.raises(BadHeaderError):
        form.fill(to=["a@example.org"], headers={"Message-ID": "<a@b>\r\nBcc: x@y"},
                  text={NAME: "A", LINK: "l"}, html={NAME: "A", LINK: "l"})  # fmt: skip


def test_the_server_receives_the_filled_forms(smtp: SmtpServer) -> None:
    form = mail.Form(_template("Revue sécurité"), [NAME, LINK], headers=["Message-ID"])
    messages = [_fill(form, *reader) for reader in READERS]
    assert get_connection().send_messages(messages) == len(READERS)
    with smtp.inbox.lock:
        received = [
            email.message_from_bytes(m.as_bytes(), policy=policy.default)
            for m in smtp.inbox.messages
        ]
    assert [r["To"] for r in received] == [
        str(email.message_from_bytes(m.wire or b"", policy=policy.default)["To"]) for m in messages
    ]
    zoe = received[1].get_body(preferencelist=("plain",))
    assert zoe is not None and zoe.get_content().startswith("Hello Zoë Müller <b>&,")
    assert received[1]["Content-Type"].params["boundary"]  # a multipart, as written whole
