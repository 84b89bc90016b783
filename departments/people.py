"""How a person is named wherever the product shows one: pages, lists and dropdowns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Dropdowns list people in the order of their names; the username breaks ties and
# places those without a name.
BY_NAME = ("first_name", "last_name", "username")


def full_name(user: User | None) -> str:
    """Their full name, else their username (an account without a name), else a dash."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def by_name(users: QuerySet[User]) -> QuerySet[User]:
    return users.order_by(*BY_NAME)
