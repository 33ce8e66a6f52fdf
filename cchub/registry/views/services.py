"""Services: the list, a service's page, adding and editing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cchub.accounts.permissions import is_network_admin
from cchub.history import visibility
from cchub.history.recorder import history_for
from cchub.lib import jsonld
from cchub.records.writes import RecordInvalid, apply
from cchub.registry.forms import ServiceForm, add_record_errors
from cchub.registry.jsonld import service_jsonld
from cchub.registry.models import SERVICE_CATEGORIES, Centre, Cluster, Service
from cchub.registry.permissions import can_edit, curated_centre_ids
from cchub.vocab.models import Concept


def service_list(request: HttpRequest) -> HttpResponse:
    qs = Service.objects.prefetch_related("centres", "categories").order_by("name")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(tagline__icontains=q) | Q(description__icontains=q))
    category = request.GET.get("category", "")
    cluster = request.GET.get("cluster", "")
    if category:
        qs = qs.filter(categories__notation=category)
    if cluster:
        qs = qs.filter(centres__clusters__slug=cluster)
    qs = qs.distinct()
    page = Paginator(qs, 40).get_page(request.GET.get("page"))
    categories = Concept.objects.filter(scheme__slug=SERVICE_CATEGORIES).annotate(
        n=Count("services_in_category", distinct=True)).order_by("position")
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "registry/service_list.html", {
        "page": page, "q": q, "category": category, "cluster": cluster,
        "categories": categories, "clusters": Cluster.objects.all(),
        "querystring": params.urlencode(),
        "can_add": is_network_admin(request.user) or bool(curated_centre_ids(request.user)),
    })


def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(
        Service.objects.prefetch_related(
            Prefetch("centres", queryset=Centre.objects.public()),
            "categories", "domains", "access_types", "target_users"),
        slug=slug)
    fmt = jsonld.wanted(request)
    if fmt:
        return jsonld.respond(service_jsonld(service), fmt)
    editable = can_edit(request.user, service)
    response = render(request, "registry/service_detail.html", {
        "service": service, "editable": editable,
        "jsonld": jsonld.embed(service_jsonld(service)),
        "changes": visibility.latest(history_for(service), editable, 10),
        "offers": service.evidence_for.select_related("centre", "competence"),
    })
    response["Vary"] = "Accept, Cookie"
    return response


def _service_centres(request: HttpRequest) -> QuerySet[Centre]:
    if is_network_admin(request.user):
        return Centre.objects.public()
    return Centre.objects.filter(pk__in=curated_centre_ids(request.user))


@login_required
def service_form(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    service = get_object_or_404(Service, slug=slug) if slug else Service()
    admin = is_network_admin(request.user)
    if slug and not can_edit(request.user, service):
        raise PermissionDenied
    if not slug and not (admin or curated_centre_ids(request.user)):
        raise PermissionDenied
    centres = _service_centres(request)
    if slug and not admin:
        # Keep the other centres a curator cannot change; they stay linked.
        centres = Centre.objects.filter(Q(pk__in=centres.values("pk")) | Q(services=service)).distinct()
    if request.method == "POST":
        form = ServiceForm(request.POST, centres=centres)
        if form.is_valid():
            data = form.record()
            old = set(service.centres.values_list("slug", flat=True)) if slug else set()
            curated = set(Centre.objects.filter(pk__in=curated_centre_ids(request.user))
                          .values_list("slug", flat=True))
            if not admin and (set(data["centres"]) ^ old) - curated:
                form.add_error("centres", "You may add or remove only centres you curate.")
            else:
                try:
                    apply(service, data, request.user, note="web form")
                    messages.success(request, f"{service.name} saved.")
                    return redirect(service)
                except RecordInvalid as exc:
                    add_record_errors(form, exc)
    else:
        initial = ServiceForm.initial_for(service) if slug else {}
        form = ServiceForm(initial=initial, centres=centres)
    return render(request, "registry/form.html", {
        "form": form, "title": f"Edit {service.name}" if slug else "Add a service",
        "back": service.get_absolute_url() if slug else "/services/",
    })
