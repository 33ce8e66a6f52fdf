"""The network's clusters and host organisations."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from cchub.lib import jsonld
from cchub.lib.countries import country_name
from cchub.registry.jsonld import cluster_jsonld, organisation_jsonld
from cchub.registry.models import Cluster, Organisation, Service


def cluster_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster, slug=slug)
    centres = cluster.centres.public().annotate(n_offers=Count("offers")).order_by("kind", "acronym")
    services = Service.objects.filter(centres__in=centres).distinct().order_by("name")
    return jsonld.page(request, "registry/cluster_detail.html", {
        "cluster": cluster, "centres": centres, "services": services,
    }, lambda: cluster_jsonld(cluster))


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    org = get_object_or_404(Organisation, slug=slug)
    return jsonld.page(request, "registry/organisation_detail.html", {
        "org": org, "centres": org.hosted_centres.public(), "country": country_name(org.country),
    }, lambda: organisation_jsonld(org))
