"""People named in an onboarding file: matched by email (any case), created when missing.

A created account takes its names from the file and a random password that nobody
knows, so nobody can sign in with a password until the person sets one through the
password-reset flow. (Django's reset form skips accounts with an *unusable* password,
`set_unusable_password()`, on the grounds that they sign in some other way; a random
one keeps them locked and still lets them choose their own.)
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from departments.text import validate_single_line

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NAME_MAX = 150
EMAIL_MAX = 254
# "Grace Hopper <grace@example.com>"
NAMED_ADDRESS = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^<>]*)>$")


@dataclass(frozen=True)
class Named:
    email: str
    first_name: str = ""
    last_name: str = ""


def checked_email(email: str) -> str:
    email = email.strip()
    validate_single_line(email)
    if len(email) > EMAIL_MAX:
        raise ValidationError(f"An email address has at most {EMAIL_MAX} characters.")
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError(f"“{email}” is not an email address.") from error
    return email


def checked_name(name: str) -> str:
    validate_single_line(name)
    if len(name) > NAME_MAX:
        raise ValidationError(f"A name has at most {NAME_MAX} characters.")
    return name.strip()


def parse_people(cell: str) -> list[Named]:
    """'Grace Hopper <grace@example.com>; linus@example.com' → two people.

    Entries are separated by semicolons or line breaks (a comma too between bare
    addresses); a name before an address in angle brackets is split at its last space
    into first and last name.
    """
    people: list[Named] = []
    for part in re.split(r"[;\n]", cell):
        entries = [part] if "<" in part else part.split(",")
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            named = NAMED_ADDRESS.match(entry)
            if named is None:
                people.append(Named(checked_email(entry)))
                continue
            first, _, last = checked_name(named["name"].strip().strip('"')).rpartition(" ")
            if not first:
                first, last = last, ""
            people.append(Named(checked_email(named["email"]), first, last))
    return people


class Directory:
    """The people of one import: each address looked up once, a missing person created
    once (on the first save that needs them), whatever rows name them."""

    def __init__(self) -> None:
        self.known: dict[str, User] = {}
        self.created: list[str] = []

    def find(self, named: Named) -> User:
        """The account with this email (any case), or a new, unsaved one; ValidationError
        when several accounts share the address (nobody can tell which is meant)."""
        key = named.email.lower()
        if key in self.known:
            return self.known[key]
        model = get_user_model()
        matches = list(model.objects.filter(email__iexact=named.email).order_by("pk")[:2])
        if len(matches) > 1:
            raise ValidationError(
                f"Several accounts use {named.email}: an administrator must merge them first."
            )
        user = (
            matches[0]
            if matches
            else model(email=named.email, first_name=named.first_name, last_name=named.last_name)
        )
        self.known[key] = user
        return user

    def save_new(self, user: User) -> None:
        """Create the account if it is new: username from its address, a random password."""
        if user.pk is not None:
            return
        model = get_user_model()
        base = user.email.lower()[:NAME_MAX]
        username, n = base, 1
        while model.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base[: NAME_MAX - 6]}-{n}"
        user.username = username
        user.set_password(secrets.token_urlsafe(32))
        user.save()
        self.created.append(user.email)
