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

Everything else — connection, TLS, authentication, errors, `fail_silently` — is
Django's. Settings select it for SMTP (alignment/conf/settings.py).
"""

from __future__ import annotations

import re
import secrets
import smtplib
import sys
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import Message
from functools import lru_cache
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import EmailMessage, sanitize_address


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
    message = email_message.message()
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
