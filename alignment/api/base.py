"""What every API list and detail shares: the visible queryset, checked filters, a fixed
order for paging, objects through the models' `get_…_for` helpers, model errors as 400."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from alignment.api.filters import cleaned

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_M = TypeVar("_M", bound=Model)

# Ids are at most 18 digits in URLs: a longer one is no row's (404 from the resolver),
# rather than an integer the database cannot hold.
ID = r"[0-9]{1,18}"


class VisibleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[_M], Generic[_M]
):
    """A read-only list and detail. Subclasses say where the list starts (`visible`,
    always the model's `visible_to(user)`), how its filters narrow it (`narrow`), and
    which helper fetches one object (`fetch`, the model's `get_…_for`)."""

    model: ClassVar[type[Model]]
    filter_class: ClassVar[type[serializers.Serializer[Any]] | None] = None
    lookup_value_regex = ID

    def visible(self) -> QuerySet[_M]:
        raise NotImplementedError

    def narrow(self, queryset: QuerySet[_M], params: dict[str, Any]) -> QuerySet[_M]:
        return queryset

    def fetch(self, key: Any) -> _M:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[_M]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return self.model._default_manager.none()  # type: ignore[return-value]
        queryset = self.visible()
        if self.action == "list" and self.filter_class is not None:
            queryset = self.narrow(queryset, cleaned(self.filter_class, self.request.query_params))
        # The model's order with the primary key last: pages never share or skip a row.
        ordering = [*(queryset.query.order_by or self.model._meta.ordering or ()), "pk"]
        return queryset.order_by(*ordering)

    def get_object(self) -> _M:
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        obj = self.fetch(int(key) if self.lookup_value_regex == ID else key)
        self.check_object_permissions(self.request, obj)
        return obj


@contextmanager
def model_errors() -> Iterator[None]:
    """The model's own validation (full_clean in the shared write functions) as a 400
    with field errors, in a transaction that a refusal leaves untouched."""
    try:
        with transaction.atomic():
            yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise serializers.ValidationError(error.message_dict) from error
        raise serializers.ValidationError({"non_field_errors": error.messages}) from error


def user_of(request: Request) -> User:
    """The signed-in user (TokenScopePermission has refused anonymous requests)."""
    user = request.user
    if not user.is_authenticated:  # pragma: no cover - the permission refused it
        raise NotAuthenticated()
    return user


def write(function: Callable[[], _M]) -> _M:
    """`function()` under `model_errors`."""
    with model_errors():
        return function()
