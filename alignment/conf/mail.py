"""Django's SMTP backend, with less work per message for the outbox's batches.

The outbox sends a batch of emails over one SMTP session (alignment/outbox.py); on a
local relay most of the time per email was the standard library serialising the MIME
message, not sending it. Four things Django's backend repeats for every email are done
once here, with the same bytes on the wire:

- addresses are checked and encoded once per address (`sanitize_address` is a pure
  function of the address and the charset);
- a header that is short, on one line and ASCII is written as it is: the Compat32
  folding would return it unchanged, after building a `Header` to find that out (and a
  multipart Content-Type too long for one line is broken after its ";", as that
  folding breaks it);
- a body is written whole, its line endings replaced in one pass, rather than line by
  line;
- a multipart message gets its random boundary up front, of the standard library's
  form, instead of the generator drawing one and searching the whole body for it with a
  regular expression compiled for that boundary. It is drawn from `secrets`: no text
  written before it was drawn can hold it (but by a 1 in 10^18 chance).

Many emails of a batch differ only in a few words (a reminder's reader's name and answer
links): `Form` writes such an email once, with stand-ins, and each reader's by putting
their words in the written bytes — what writing it whole would give (tests compare them
byte for byte), or nothing where it would not be (a line grown past 998 bytes would be
quoted-printable), and the message is then written whole. The backend sends a message's
`wire` when it has one.

Everything else — connection, TLS, authentication, errors, `fail_silently` — is
Django's. Settings select it for SMTP (alignment/conf/settings.py).
"""

from __future__ import annotations

import re
import secrets
import smtplib
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import Message
from functools import lru_cache
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import EmailMessage, forbid_multi_line_headers, sanitize_address


class _Compat32(email_policy.Compat32):
    """Compat32, with the short ASCII one-line header written without folding it."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and self.max_line_length
        ):
            limit = self.max_line_length
            if len(name) + 2 + len(value) <= limit:
                return f"{name}: {value}{self.linesep}".encode("ascii")
            # "multipart/alternative; boundary=…": Compat32 breaks it after the ";".
            head, _, tail = value.partition("; ")
            if (
                tail
                and not _SPACE_OR_SEMICOLON.search(head)
                and not _SPACE_OR_SEMICOLON.search(tail)
                and len(name) + 2 + len(head) + 1 <= limit
                and 1 + len(tail) <= limit
            ):
                return f"{name}: {head};{self.linesep} {tail}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_SPACE_OR_SEMICOLON = re.compile(r"[\s;]")
_LINE_ENDING = re.compile(r"\r\n|\r|\n")  # the generator's own (email.generator.NLCRE)


POLICY = _Compat32()
_ON_THE_WIRE = POLICY.clone(linesep="\r\n")  # what `_written` flattens with


@lru_cache(maxsize=4096)
def _address(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)


class _Generator(BytesGenerator):
    """The standard library's generator, writing a body's lines in one go rather than
    line by line (every line ending becomes the generator's own, as it does there)."""

    def _write_lines(self, lines: str) -> None:
        if lines:  # `flatten` sets the policy, with its line ending, for what it writes
            assert self.policy is not None
            self.write(_LINE_ENDING.sub(self.policy.linesep, lines))


def as_bytes(email_message: EmailMessage) -> bytes:
    """The message as Django's backend writes it, made with less work."""
    if isinstance(email_message, Written) and email_message.wire is not None:
        return email_message.wire
    return _written(email_message.message())


def _written(message: Message) -> bytes:
    _prepare(message)
    written = BytesIO()
    _Generator(written, mangle_from_=False).flatten(message, unixfrom=False, linesep="\r\n")
    return written.getvalue()


def _prepare(message: Message) -> None:
    message.policy = POLICY
    if message.is_multipart():
        if message.get_content_maintype() == "multipart" and not message.get_boundary():
            message.set_boundary(f"{'=' * 15}{secrets.randbelow(sys.maxsize):019d}==")
        for part in message.get_payload():
            if isinstance(part, Message):
                _prepare(part)


class Written(EmailMultiAlternatives):
    """An email filled in from a `Form`, with the bytes the backend sends for it (None:
    written whole when sent). Change nothing of it once filled."""

    wire: bytes | None = None


# Django makes a text part with a longer line quoted-printable (RFC 5322's limit).
_LONGEST_LINE = 998
_ENCODINGS = ("7bit", "8bit")  # a text written as it is


@dataclass(frozen=True)
class _Shape:
    """A form's written bytes and where in them each reader's words go."""

    wire: bytes
    pattern: re.Pattern[bytes]  # any of the following, in the wire
    parts: list[dict[str, bytes]]  # per part (text, then HTML): stand-in → its own there
    encodings: list[tuple[bytes, bool, list[str]]]  # per part: placeholder, 8bit anyway, stand-ins
    lines: dict[str, bytes]  # header name → its whole line, To and the headers named


class Form:
    """`template` written once, with `stand_ins` in its text and HTML, for `fill` to put
    each reader's words in, and their address and `headers` (names of the headers whose
    values differ from email to email, such as Message-ID).

    Each part's Content-Transfer-Encoding follows its filled text (7bit while it is
    ASCII, else 8bit), as Django's does. An email is left without `wire`, to be written
    whole when sent, when a filled line is longer than 998 bytes (Django would make its
    part quoted-printable), a value holds a line ending or the email goes to nobody;
    every email of a form is, when the template has more than a text and its HTML
    alternative, another charset than UTF-8 or a part already quoted-printable.
    """

    def __init__(
        self, template: EmailMultiAlternatives, stand_ins: Sequence[str], headers: Sequence[str]
    ) -> None:
        self.template = template
        self.headers = tuple(headers)
        self.encoding = template.encoding or settings.DEFAULT_CHARSET
        self.pattern = re.compile("|".join(re.escape(s) for s in stand_ins) or "(?!)")
        self.shape = self._shape(list(stand_ins))

    def _shape(self, stand_ins: list[str]) -> _Shape | None:
        template = self.template
        if template.cc or template.bcc or template.reply_to or template.attachments:
            return None
        if self.encoding != "utf-8" or len(template.alternatives) > 1:
            return None
        token = uuid.uuid4().hex  # random: no text of the template can hold it
        texts = [str(template.body), *(str(content) for content, _ in template.alternatives)]
        # Written, each part has its own stand-ins ("<token>p<part>s<n>"), as their values
        # may differ (HTML escapes them), and its encoding is a placeholder.
        own = [{s: f"{token}p{p}s{n}" for n, s in enumerate(stand_ins)} for p in range(len(texts))]
        addressed = f"{token}to@form.invalid"
        shadow = EmailMultiAlternatives(
            subject=template.subject,
            body=self.pattern.sub(lambda m: own[0][m.group()], texts[0]),
            from_email=template.from_email,
            to=[addressed],
            headers={**template.extra_headers, **{h: f"{token}h{h}" for h in self.headers}},
            alternatives=[
                (self.pattern.sub(lambda m: own[1][m.group()], text), mimetype)
                for text, (_, mimetype) in zip(texts[1:], template.alternatives, strict=True)
            ],
        )
        message = shadow.message()
        leaves = [m for m in message.walk() if not m.is_multipart()]
        if len(leaves) != len(texts):
            return None
        encodings = []
        for p, (leaf, text) in enumerate(zip(leaves, texts, strict=True)):
            if leaf["Content-Transfer-Encoding"] not in _ENCODINGS:
                return None
            placeholder = f"{token}e{p}"
            leaf.replace_header("Content-Transfer-Encoding", placeholder)
            present = [s for s in stand_ins if s in text]
            encodings.append(
                (placeholder.encode(), not self.pattern.sub("", text).isascii(), present)
            )
        wire = _written(message)
        lines = {
            "To": f"To: {addressed}\r\n".encode(),
            **{h: f"{h}: {token}h{h}\r\n".encode() for h in self.headers},
        }
        fixed = [*lines.values(), *(placeholder for placeholder, _, _ in encodings)]
        if any(wire.count(line) != 1 for line in fixed):
            return None  # folded or repeated: not where a reader's value would go
        parts = [{s: t.encode() for s, t in mine.items()} for mine in own]
        everything = [*fixed, *(t for mine in parts for t in mine.values())]
        return _Shape(
            wire=wire,
            pattern=re.compile(b"|".join(re.escape(t) for t in everything)),
            parts=parts,
            encodings=encodings,
            lines=lines,
        )

    def fill(
        self,
        *,
        to: list[str],
        headers: Mapping[str, str],
        text: Mapping[str, str],
        html: Mapping[str, str],
    ) -> Written:
        """The email for one reader: `text` fills the stand-ins of its text (the body),
        `html` those of its HTML alternative."""
        template = self.template
        message = Written(
            subject=template.subject,
            body=self.pattern.sub(lambda m: text[m.group()], str(template.body)),
            from_email=template.from_email,
            to=to,
            headers={**template.extra_headers, **headers},
            alternatives=[
                (self.pattern.sub(lambda m: html[m.group()], str(content)), mimetype)
                for content, mimetype in template.alternatives
            ],
        )
        message.encoding = template.encoding
        if self.shape is not None and to:
            message.wire = self._wire(self.shape, to, headers, [text, html])
        return message

    def _wire(
        self,
        shape: _Shape,
        to: list[str],
        headers: Mapping[str, str],
        values: list[Mapping[str, str]],
    ) -> bytes | None:
        put: dict[bytes, bytes] = {}
        for own, given in zip(shape.parts, values, strict=False):
            for stand_in, written in own.items():
                put[written] = given[stand_in].encode()
        if any(b"\r" in value or b"\n" in value for value in put.values()):
            return None  # the generator would make its own line endings of them
        for (placeholder, eight_bit, present), given in zip(shape.encodings, values, strict=False):
            ascii_ = not eight_bit and all(given[s].isascii() for s in present)
            put[placeholder] = _ENCODINGS[0 if ascii_ else 1].encode()
        for name, value in (("To", ", ".join(to)), *((h, headers[h]) for h in self.headers)):
            name, value = forbid_multi_line_headers(name, value, self.encoding)
            put[shape.lines[name]] = _ON_THE_WIRE.fold_binary(name, value)
        wire = shape.pattern.sub(lambda m: put[m.group()], shape.wire)
        # Every line ends in CRLF here: the generator wrote the template's, no value has one.
        longest = max(map(len, wire.split(b"\r\n")))
        return None if longest > _LONGEST_LINE else wire


class SMTPBackend(EmailBackend):
    def _send(self, email_message: EmailMessage) -> bool:
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _address(email_message.from_email, encoding)
        recipients = [_address(address, encoding) for address in email_message.recipients()]
        try:
            assert self.connection is not None  # opened by send_messages
            self.connection.sendmail(from_email, recipients, as_bytes(email_message))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
