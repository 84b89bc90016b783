"""Who is who: the one place that answers role questions.

Every view asks these predicates (directly or through `visible_to` querysets and
`get_<thing>_for` helpers built on them); templates use them only to hide buttons.

Roles:
- security team (the CISO and their staff): members of the "Security team" group;
- executives (senior leadership): members of the "Executives" group;
- department head: the `head` of a department (a user may head several);
- key leader: one of a department's `key_leaders` (reads that department);
- administrator: a superuser, who manages users, roles and departments in the admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypeAlias, TypeVar

from django.db.models import prefetch_related_objects

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Who a request can come from: a logged-in user, or nobody yet (the login page, the
    # health check). Views behind the login use `User` (departments.http.HtmxHttpRequest).
    AnyUser: TypeAlias = User | AnonymousUser


class Identified(Protocol):
    """A department, as far as roles care: its primary key (departments.models imports
    this module, so it is never imported back, not even for a type)."""

    @property
    def pk(self) -> int: ...


SECURITY_GROUP = "Security team"
EXECUTIVE_GROUP = "Executives"

_T = TypeVar("_T")


def _cached(user: User, name: str, compute: Callable[[], _T]) -> _T:
    """`compute()` once per user object, kept on it as `name`: one query per request,
    however often the question is asked."""
    cached: _T | None = getattr(user, name, None)
    if cached is None:
        cached = compute()
        setattr(user, name, cached)
    return cached


def _group_names(user: User) -> frozenset[str]:
    return _cached(
        user, "_mom_group_names", lambda: frozenset(user.groups.values_list("name", flat=True))
    )


def is_ciso(user: AnyUser) -> bool:
    """The CISO or a member of the security team."""
    return bool(user.is_authenticated and SECURITY_GROUP in _group_names(user))


def is_executive(user: AnyUser) -> bool:
    """Senior leadership: reads everything, decides business cases."""
    return bool(user.is_authenticated and EXECUTIVE_GROUP in _group_names(user))


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def may_transfer_programme(user: AnyUser) -> bool:
    """Export the whole programme, or import one: the security team and administrators."""
    return is_ciso(user) or is_admin(user)


def reads_everything(user: AnyUser) -> bool:
    """Security team, executives and administrators see every department."""
    return is_ciso(user) or is_executive(user) or is_admin(user)


def headed_department_ids(user: AnyUser) -> frozenset[int]:
    """Departments this user heads (cached on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    # Through the reverse relations of Department.head and .key_leaders: this module is
    # imported by departments.models, so it never imports it back (type hints aside).
    return _cached(
        user,
        "_mom_headed_ids",
        lambda: frozenset(user.headed_departments.order_by().values_list("pk", flat=True)),
    )


def member_department_ids(user: AnyUser) -> frozenset[int]:
    """Departments this user heads or is a key leader of."""
    if not user.is_authenticated:
        return frozenset()
    return _cached(
        user,
        "_mom_member_ids",
        lambda: (
            headed_department_ids(user)
            | frozenset(user.led_departments.order_by().values_list("pk", flat=True))
        ),
    )


def remember(users: Iterable[User]) -> None:
    """Answer the role questions of many users at once (three queries, however many
    users) and keep the answers on each user object, as asking one by one would: for a
    batch of emails that each show what their reader may see."""
    users = [u for u in users if getattr(u, "_mom_member_ids", None) is None]
    if not users:
        return
    prefetch_related_objects(users, "groups", "headed_departments", "led_departments")
    for user in users:
        headed = frozenset(d.pk for d in user.headed_departments.all())
        user._mom_group_names = frozenset(g.name for g in user.groups.all())  # type: ignore[attr-defined]
        user._mom_headed_ids = headed  # type: ignore[attr-defined]
        user._mom_member_ids = headed | frozenset(d.pk for d in user.led_departments.all())  # type: ignore[attr-defined]


def heads(user: AnyUser, department: Identified) -> bool:
    """True when `user` is the head of `department`."""
    return department.pk in headed_department_ids(user)


def can_read_department(user: AnyUser, department: Identified) -> bool:
    return reads_everything(user) or department.pk in member_department_ids(user)


def can_write_department(user: AnyUser, department: Identified) -> bool:
    """Only a department's head changes its goals, check-ins and documents."""
    return heads(user, department)
