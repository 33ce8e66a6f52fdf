from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cchub.lib.api import error_response


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, f"No API endpoint at {request.path}. See /api/v1/docs.")


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(500, "Internal error; it has been logged.")
    return render(request, "500.html", status=500)
