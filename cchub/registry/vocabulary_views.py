"""Pages of the vocabularies as the registry uses them: the competence taxonomy and the other
schemes, each concept with the centres that offer it and the services it describes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from cchub.lib import jsonld
from cchub.registry.models import Centre, CompetenceOffer
from cchub.vocab.jsonld import concept_jsonld, scheme_jsonld
from cchub.vocab.models import Concept, ConceptScheme
from cchub.vocab.tree import subtree_ids


def scheme_list(request: HttpRequest) -> HttpResponse:
    schemes = ConceptScheme.objects.annotate(n=Count("concepts"))
    return render(request, "vocab/scheme_list.html", {"schemes": schemes})


def _tree(scheme: ConceptScheme) -> list[dict[str, Any]]:
    concepts = list(scheme.concepts.annotate(
        n_centres=Count("offers__centre", filter=Q(offers__centre__review_state=Centre.APPROVED),
                        distinct=True)))
    children: dict[int | None, list[Concept]] = defaultdict(list)
    for c in concepts:
        children[c.broader_id].append(c)

    def node(c: Concept, depth: int) -> dict[str, Any]:
        return {"concept": c, "children": [node(k, depth + 1) for k in children.get(c.pk, [])][:200]}

    return [node(c, 0) for c in children[None]]


def scheme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    scheme = get_object_or_404(ConceptScheme, slug=slug)
    return jsonld.page(request, "vocab/scheme_detail.html", {
        "scheme": scheme, "tree": _tree(scheme), "count": scheme.concepts.count(),
    }, lambda: scheme_jsonld(scheme))


def concept_detail(request: HttpRequest, slug: str, notation: str) -> HttpResponse:
    concept = get_object_or_404(
        Concept.objects.select_related("scheme", "broader"), scheme__slug=slug, notation=notation)
    offers = (
        CompetenceOffer.objects.filter(centre__review_state=Centre.APPROVED)
        .filter(competence__in=subtree_ids(concept.scheme.slug, [concept.notation]))
        .select_related("centre", "competence", "evidence_service")
        .order_by("centre__acronym")
    )
    by_level: dict[str, list[CompetenceOffer]] = {key: [] for key, _ in CompetenceOffer.LEVELS}
    for offer in offers:
        by_level[offer.level].append(offer)
    levels = [(key, label, by_level[key]) for key, label in CompetenceOffer.LEVELS]
    services = concept.services_in_category.all() or concept.services_in_domain.all()
    return jsonld.page(request, "vocab/concept_detail.html", {
        "concept": concept, "ancestors": concept.ancestors(),
        "narrower": concept.narrower.all(), "levels": levels,
        "n_centres": len({o.centre_id for o in offers}),
        "citation": concept.citation(), "services": services,
    }, lambda: concept_jsonld(concept))
