"""The EOSC Resource Catalogue export in the API: a centre as an EOSC Provider, a service as
an EOSC Service, each with what is still missing to onboard."""

# No ``from __future__ import annotations``: django-ninja reads these annotations at run time.

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Router

from cchub.accounts.auth import optional_user
from cchub.interop import eosc
from cchub.lib.api import ApiError, json_response
from cchub.lib.models import exportable
from cchub.registry.models import Centre, Service
from cchub.registry.permissions import can_edit

router = Router(tags=["eosc"])


def _centres() -> QuerySet[Centre]:
    return Centre.objects.public().filter(exportable()).prefetch_related("contacts", "hosts", "clusters")


@router.get("/providers", summary="Every centre as an EOSC Resource Catalogue Provider", auth=None)
def providers(request: HttpRequest) -> HttpResponse:
    return json_response({"results": [eosc.provider(c) for c in _centres()]})


@router.get("/providers/{slug}", summary="A centre as an EOSC Provider, with what is missing", auth=None)
def provider(request: HttpRequest, slug: str) -> HttpResponse:
    centre = _centres().filter(slug=slug).first()
    if centre is None:
        raise ApiError(404, f"No public centre with slug {slug!r}.")
    return json_response(eosc.provider(centre, private=can_edit(optional_user(request), centre)))


@router.get("/services/{slug}", summary="A service as an EOSC Service, with what is missing", auth=None)
def service(request: HttpRequest, slug: str) -> HttpResponse:
    found = (
        Service.objects.filter(exportable()).filter(slug=slug).prefetch_related("centres__contacts").first()
    )
    if found is None:
        raise ApiError(404, f"No service with slug {slug!r}.")
    return json_response(eosc.service(found, private=can_edit(optional_user(request), found)))
