"""A plain factory for the API's list/detail/create/update/delete endpoints.

Each resource states its model, input schema, filters, serialiser and permission checks;
``add_crud`` adds the five (six with PATCH) operations to a router. Writes go through
``registry.writes.apply`` so validation, history and transactions are the same as in the
pages and the importer.
"""

# No ``from __future__ import annotations`` here: django-ninja reads the endpoint
# signatures' annotations at run time, and they refer to this function's arguments.

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from cchub.accounts.auth import TokenAuth, optional_user
from cchub.lib.api import (
    ApiError,
    body_etag,
    conditional,
    field_errors,
    json_response,
    paginate,
    require_if_match,
)
from cchub.records.writes import RecordInvalid, apply, delete, harvested_from

token_auth = TokenAuth()


@dataclass
class Resource:
    name: str  # plural path segment, e.g. "centres"
    model: type[Model]
    schema: type[Schema]
    filters: type[Schema]
    queryset: Callable[[Any], QuerySet[Any]]  # (user) -> visible records
    filter: Callable[[QuerySet[Any], Any, Any], QuerySet[Any]]  # (qs, filters, user)
    serialize: Callable[[Any, Any], dict[str, Any]]  # (obj, user)
    can_create: Callable[[Any, dict[str, Any]], bool]
    can_change: Callable[[Any, Any, dict[str, Any]], bool]  # (user, obj, data)
    can_delete: Callable[[Any, Any], bool]
    lookup: Callable[[QuerySet[Any], str], Any]
    prepare: Callable[[Any, dict[str, Any], Any], dict[str, Any]] | None = None  # (user, data, obj)


def by_id(qs: QuerySet[Any], ref: str) -> Any:
    return qs.filter(pk=int(ref)).first() if ref.isdigit() else None


def by_id_or_slug(qs: QuerySet[Any], ref: str) -> Any:
    return qs.filter(pk=int(ref)).first() if ref.isdigit() else qs.filter(slug=ref).first()


def _get(res: Resource, user: Any, ref: str) -> Any:
    obj = res.lookup(res.queryset(user), ref)
    if obj is None:
        raise ApiError(404, f"No {res.model._meta.verbose_name} with id {ref!r}.")
    return obj


def _writable(obj: Any) -> None:
    origin = harvested_from(obj)
    if origin is not None:
        raise ApiError(403, f"Harvested from {origin}: read-only here; change it at its origin.")


def _write(res: Resource, request: HttpRequest, obj: Any, data: dict[str, Any], partial: bool) -> Any:
    if res.prepare is not None:
        data = res.prepare(request.user, data, obj)
    try:
        return apply(obj, data, request.user, partial=partial, note="API")
    except RecordInvalid as exc:
        raise ApiError(422, "The record is not valid.", field_errors(exc.errors)) from exc


def add_crud(router: Router, res: Resource) -> None:
    label = res.model._meta.verbose_name
    plural = res.model._meta.verbose_name_plural
    Filters = res.filters
    Payload = res.schema

    @router.get(f"/{res.name}",
                operation_id=f"{res.name}_list", summary=f"List {plural}", tags=[res.name], auth=None)
    def list_records(request: HttpRequest, filters: Query[Filters], page: int = 1,  # type: ignore[valid-type]
                     page_size: int = 50) -> HttpResponse:
        user = optional_user(request)
        qs = res.filter(res.queryset(user), filters, user)
        payload = paginate(request, qs, page, page_size, lambda o: res.serialize(o, user))
        return conditional(request, payload, body_etag(payload))

    @router.get(f"/{res.name}/{{ref}}",
                operation_id=f"{res.name}_read", summary=f"Read one {label}", tags=[res.name], auth=None)
    def read_record(request: HttpRequest, ref: str) -> HttpResponse:
        user = optional_user(request)
        obj = _get(res, user, ref)
        return conditional(request, res.serialize(obj, user), obj.etag)

    @router.post(f"/{res.name}",
                 operation_id=f"{res.name}_create", summary=f"Create a {label}", tags=[res.name],
                 auth=token_auth)
    def create_record(request: HttpRequest, payload: Payload) -> HttpResponse:  # type: ignore[valid-type]
        data = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
        if not res.can_create(request.user, data):
            raise ApiError(403, f"You may not create this {label}.")
        obj = _write(res, request, res.model(), data, partial=True)
        return json_response(res.serialize(obj, request.user), status=201, etag=obj.etag)

    def update(request: HttpRequest, ref: str, payload: Any, partial: bool) -> HttpResponse:
        data = payload.dict(exclude_unset=partial)
        with transaction.atomic():
            obj = _get(res, request.user, ref)
            obj = type(obj).objects.select_for_update().get(pk=obj.pk)
            _writable(obj)
            if not res.can_change(request.user, obj, data):
                raise ApiError(403, f"You may not change this {label}.")
            require_if_match(request, obj)
            obj = _write(res, request, obj, data, partial=partial)
        return json_response(res.serialize(obj, request.user), etag=obj.etag)

    @router.put(f"/{res.name}/{{ref}}",
                operation_id=f"{res.name}_replace", summary=f"Replace a {label}", tags=[res.name],
                auth=token_auth)
    def replace_record(request: HttpRequest, ref: str, payload: Payload) -> HttpResponse:  # type: ignore[valid-type]
        return update(request, ref, payload, partial=False)

    @router.patch(f"/{res.name}/{{ref}}",
                operation_id=f"{res.name}_patch", summary=f"Change some fields of a {label}",
                  tags=[res.name], auth=token_auth)
    def patch_record(request: HttpRequest, ref: str, payload: Payload) -> HttpResponse:  # type: ignore[valid-type]
        return update(request, ref, payload, partial=True)

    @router.delete(f"/{res.name}/{{ref}}",
                operation_id=f"{res.name}_delete", summary=f"Delete a {label}", tags=[res.name],
                   auth=token_auth)
    def delete_record(request: HttpRequest, ref: str) -> HttpResponse:
        with transaction.atomic():
            obj = _get(res, request.user, ref)
            _writable(obj)
            if not res.can_delete(request.user, obj):
                raise ApiError(403, f"You may not delete this {label}.")
            require_if_match(request, obj)
            try:
                delete(obj, request.user, note="API")
            except RecordInvalid as exc:
                raise ApiError(409, "The record cannot be deleted.", field_errors(exc.errors)) from exc
        return HttpResponse(status=204)
