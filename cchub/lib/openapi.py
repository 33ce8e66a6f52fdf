"""The OpenAPI document says what each operation really answers.

django-ninja documents the 200 of each operation; the hub's operations answer more: 201,
202 and 204 on writes, 304 to a matching ``If-None-Match``, and errors with one JSON shape
(``{"detail": ..., "errors": [{"field", "message"}]}``). ``document`` adds to every operation
the answers its kind can give, by rule —

- parameters or a body: 400 (malformed: bad JSON, a lone surrogate, a page out of range)
  and 422 (a value of the wrong type or a record that is not valid);
- a path parameter: 404; a token: 401 and 403; a body: 413 (larger than the limit);
- every write: 409 (a state that does not allow it, a record that cannot be deleted);

— and, from ``overrides`` (``"METHOD /path"`` → codes), what only some operations answer:
their success codes and media types, 304, 412, 428, 429 …, and the bounds and choices
their parameters and bodies are checked against (so that a request the document calls
valid is one the hub accepts).
"""

from __future__ import annotations

import copy
from typing import Any

ERROR = {
    "type": "object",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
REASONS = {
    200: "OK", 201: "Created", 202: "Accepted: queued for the worker", 204: "Deleted",
    304: "Not modified (the If-None-Match tag is current)",
    400: "Malformed request", 401: "Authentication required", 403: "Not allowed for you",
    404: "Not found", 409: "Conflict with the record's state", 412: "The If-Match tag is stale",
    413: "Request body too large", 422: "Invalid values", 428: "If-Match is required",
    429: "Too many requests; wait and try again",
}
WRITES = {"post", "put", "patch", "delete"}
JSON = "application/json"


def _content(status: int, media: list[str]) -> dict[str, Any]:
    if status in (204, 304):
        return {"description": REASONS[status]}
    if status >= 400:
        return {"description": REASONS[status],
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}
    content: dict[str, Any] = {}
    for kind in media:
        # JSON answers are objects; other media (Turtle, JSON-LD, iCalendar) are documents.
        content[kind] = {"schema": {"type": "object"}} if kind == JSON else {"schema": {}}
    return {"description": REASONS[status], "content": content}


def document(schema: dict[str, Any], overrides: dict[str, dict[str, Any]], prefix: str,
             params: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """``schema`` with every operation's real answers (see the module's docstring), the
    bounds of the parameters every operation shares (``params``: name → JSON Schema) and
    each operation's own (``overrides[...]["params"]`` and ``["body"]``)."""
    params = params or {}
    schema = copy.deepcopy(schema)
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            extra = overrides.get(f"{method.upper()} {path.removeprefix(prefix)}", {})
            success = extra.get("ok", [200])
            codes = set(success) | set(extra.get("codes", []))
            if operation.get("parameters") or "requestBody" in operation:
                codes |= {400, 422}
            if "{" in path:
                codes.add(404)
            if operation.get("security"):
                codes |= {401, 403}
            if "requestBody" in operation:
                codes.add(413)
            if method in WRITES:
                codes.add(409)
            media = extra.get("media", [JSON])
            operation["responses"] = {str(code): _content(code, media) for code in sorted(codes)}
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                bounds = {**params.get(name, {}), **extra.get("params", {}).get(name, {})}
                target = parameter.setdefault("schema", {})
                if target.get("type") == "array":
                    target = target.setdefault("items", {})
                target.update(bounds)
            for name, fragment in extra.get("body", {}).items():
                properties = _body_schema(schema, operation).setdefault("properties", {})
                properties.setdefault(name, {}).update(fragment)
    return schema


def _body_schema(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    body = operation["requestBody"]["content"][JSON]["schema"]
    ref = body.get("$ref", "")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else body
