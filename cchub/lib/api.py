"""Helpers shared by the API routers: errors, ETags, pagination."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import typing
from collections.abc import Callable
from typing import Any

import pydantic
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.parser import Parser
from pydantic import ConfigDict

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # past it an offset no longer fits the databases' integers


class Refused(Exception):
    """A request a domain's rules refuse (the helpdesk's, the glossary's): ``status`` is
    the HTTP status, ``field`` names what is wrong. The API answers it like ApiError;
    pages show the message."""

    def __init__(self, message: str, field: str = "", status: int = 400):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


class Strict(Schema):
    """An API input that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


def strict_from(source: type, name: str, exclude: tuple[str, ...] = ()) -> type[Strict]:
    """An API input with the fields of a service's dataclass (but ``exclude``), so that the
    two are declared once: the dataclass is the contract, the API takes exactly its fields."""
    hints = typing.get_type_hints(source)
    fields = {
        f.name: (hints[f.name], f.default if f.default is not dataclasses.MISSING else ...)
        for f in dataclasses.fields(source)
        if f.name not in exclude
    }
    return pydantic.create_model(name, __base__=Strict, **fields)  # type: ignore[call-overload, no-any-return]


class ApiError(Exception):
    def __init__(self, status: int, detail: str, errors: list[dict[str, str]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or []


def field_errors(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    return [{"field": k, "message": " ".join(v)} for k, v in errors.items()]


def json_response(payload: Any, status: int = 200, etag: str | None = None) -> HttpResponse:
    body = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json")
    if etag:
        response["ETag"] = etag
    return response


def error_response(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> HttpResponse:
    return json_response({"detail": detail, "errors": errors or []}, status=status)


def body_etag(payload: Any) -> str:
    digest = hashlib.sha256(json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True).encode())
    return f'W/"{digest.hexdigest()[:32]}"'


def conditional(request: HttpRequest, payload: Any, etag: str) -> HttpResponse:
    """A JSON response with an ETag, or 304 when the client already has it."""
    if_none_match = request.headers.get("If-None-Match", "")
    if etag in [tag.strip() for tag in if_none_match.split(",")]:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    return json_response(payload, etag=etag)


def require_if_match(request: HttpRequest, obj: Model) -> None:
    """Refuse an update unless the client proves it saw the current version."""
    header = request.headers.get("If-Match")
    current = obj.etag  # type: ignore[attr-defined]
    if not header:
        raise ApiError(
            428,
            f"Send the record's ETag in an If-Match header (current ETag: {current}) so that "
            "concurrent edits never overwrite each other.",
        )
    tags = [tag.strip() for tag in header.split(",")]
    if "*" not in tags and current not in tags:
        raise ApiError(
            412,
            f"The record changed since you read it (your If-Match: {header}; current ETag: "
            f"{current}). Read it again, reapply your change and retry.",
        )


def paginate(
    request: HttpRequest, qs: QuerySet[Any], page: int, page_size: int,
    serialize: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    if not 1 <= page <= MAX_PAGE:
        raise ApiError(400, f"page must be between 1 and {MAX_PAGE}",
                       [{"field": "page", "message": f"must be 1–{MAX_PAGE}"}])
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(400, f"page_size must be between 1 and {MAX_PAGE_SIZE}",
                       [{"field": "page_size", "message": f"must be 1–{MAX_PAGE_SIZE}"}])
    count = qs.count()
    start = (page - 1) * page_size
    items = [serialize(obj) for obj in qs[start:start + page_size]]
    base = request.build_absolute_uri(request.path)
    params = request.GET.copy()

    def link(n: int) -> str:
        params["page"] = str(n)
        params["page_size"] = str(page_size)
        return f"{base}?{params.urlencode()}"

    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "next": link(page + 1) if start + page_size < count else None,
        "previous": link(page - 1) if page > 1 and count else None,
        "results": items,
    }


SURROGATE = re.compile(r"[\ud800-\udfff]")


def _checked(value: Any, where: str) -> Any:
    """``value`` with NULs taken out of its texts; a lone UTF-16 surrogate (which no database
    can store) is refused naming where it is."""
    if isinstance(value, str):
        if SURROGATE.search(value):
            raise ApiError(400, f"{where} holds a lone UTF-16 surrogate (U+D800 to U+DFFF), "
                           "which is not text.", [{"field": where, "message": "lone surrogate"}])
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_checked(k, where): _checked(v, f"{where}.{k}" if where != "body" else str(k))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_checked(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


class TextParser(Parser):
    """The API's JSON parser: what it hands on is text every database stores."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return _checked(json.loads(request.body), "body")  # type: ignore[no-any-return]
