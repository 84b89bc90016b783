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

from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Who a request can come from: a logged-in user, or nobody yet (the login page, the
    # health check). Views behind the login use `User` (departments.http.HtmxHttpRequest).
    AnyUser: TypeAlias = User | AnonymousUser

SECURITY_GROUP = "Security team"
EXECUTIVE_GROUP = "Executives"


def _group_names(user: Any) -> frozenset[str]:
    # Cached on the user object: one query per request, however often it is asked.
    cached = getattr(user, "_mom_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._mom_group_names = cached
    return cached


def is_ciso(user: Any) -> bool:
    """The CISO or a member of the security team."""
    return bool(user.is_authenticated and SECURITY_GROUP in _group_names(user))


def is_executive(user: Any) -> bool:
    """Senior leadership: reads everything, decides business cases."""
    return bool(user.is_authenticated and EXECUTIVE_GROUP in _group_names(user))


def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def reads_everything(user: Any) -> bool:
    """Security team, executives and administrators see every department."""
    return is_ciso(user) or is_executive(user) or is_admin(user)


def headed_department_ids(user: Any) -> frozenset[int]:
    """Departments this user heads (cached on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_mom_headed_ids", None)
    if cached is None:
        # Through the reverse relations of Department.head and .key_leaders: this module
        # is imported by departments.models, so it never imports it back.
        cached = frozenset(user.headed_departments.order_by().values_list("pk", flat=True))
        user._mom_headed_ids = cached
    return cached


def member_department_ids(user: Any) -> frozenset[int]:
    """Departments this user heads or is a key leader of."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_mom_member_ids", None)
    if cached is None:
        led = user.led_departments.order_by().values_list("pk", flat=True)
        cached = headed_department_ids(user) | frozenset(led)
        user._mom_member_ids = cached
    return cached


def heads(user: Any, department: Any) -> bool:
    """True when `user` is the head of `department`."""
    return department.pk in headed_department_ids(user)


def can_read_department(user: Any, department: Any) -> bool:
    return reads_everything(user) or department.pk in member_department_ids(user)


def can_write_department(user: Any, department: Any) -> bool:
    """Only a department's head changes its goals, check-ins and documents."""
    return heads(user, department)
