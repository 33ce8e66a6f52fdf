"""The home page: the network at a glance."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cchub.accounts.permissions import is_network_admin
from cchub.history import visibility
from cchub.history.models import Change
from cchub.lib.countries import country_name
from cchub.registry.models import COMPETENCES, Centre, Cluster, CompetenceOffer, Release, Service
from cchub.vocab.models import Concept


def home(request: HttpRequest) -> HttpResponse:
    centres = Centre.objects.public()
    clusters = Cluster.objects.annotate(
        n=Count("centres", filter=Q(centres__review_state=Centre.APPROVED))
    )
    kinds = dict(Centre.KINDS)
    by_kind = [
        (kinds[row["kind"]], row["kind"], row["n"])
        for row in centres.values("kind").annotate(n=Count("pk")).order_by("-n")
    ]
    by_country: Counter[str] = Counter()
    for countries in centres.values_list("countries", flat=True):
        by_country.update(countries)
    reveal = is_network_admin(request.user)
    changes = visibility.latest(Change.objects.select_related("user", "content_type"), reveal, 12)
    return render(request, "registry/home.html", {
        "clusters": clusters,
        "by_kind": by_kind,
        "by_country": [(code, country_name(code), n) for code, n in by_country.most_common()],
        "totals": {
            "centres": centres.count(),
            "services": Service.objects.count(),
            "competences": Concept.objects.filter(scheme__slug=COMPETENCES).count(),
            "offers": CompetenceOffer.objects.filter(centre__review_state=Centre.APPROVED).count(),
        },
        "changes": changes,
        "latest_release": Release.objects.first(),
    })
