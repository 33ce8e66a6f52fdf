"""The glossary's REST endpoints under /api/v1/glossary/."""

# No ``from __future__ import annotations``: django-ninja reads these annotations at run time.

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from cchub.accounts.auth import TokenAuth, optional_user
from cchub.glossary import skos, workflow
from cchub.glossary.models import Term
from cchub.lib.api import ApiError, Strict, json_response, paginate

router = Router(tags=["glossary"])
token_auth = TokenAuth()


class TermIn(Strict):
    pref_label: str
    definition: str
    alt_labels: list[str] = []
    acronyms: list[str] = []
    source: str = ""
    source_url: str = ""
    examples: list[str] = []
    translations: dict[str, dict[str, Any]] = {}


class StepIn(Strict):
    decision: str = ""
    reviewers: list[str] = []
    replaced_by: str = ""
    body: str = ""


def term_json(term: Term) -> dict[str, Any]:
    return {
        "slug": term.slug,
        "uri": str(skos.term_uri(term)),
        "url": term.get_absolute_url(),
        "pref_label": term.pref_label,
        "alt_labels": term.alt_labels,
        "acronyms": term.acronyms,
        "definition": term.definition,
        "source": term.source,
        "source_url": term.source_url,
        "examples": term.examples,
        "translations": term.translations,
        "status": term.status,
        "origin": term.origin_summary(),
        "replaced_by": term.replaced_by.slug if term.replaced_by else None,
        "decision": term.decision,
        "broader": [t.slug for t in term.broader.all()],
        "related": [t.slug for t in term.related.all()],
        "clusters": [c.slug for c in term.clusters.all()],
        "cluster_definitions": [{"cluster": v.cluster.slug, "text": v.text} for v in term.variants.all()],
        "updated_at": term.updated_at,
    }


def _term(request: HttpRequest, slug: str) -> Term:
    term = Term.objects.filter(slug=slug).first()
    if term is None or not workflow.may_see(optional_user(request), term):
        raise ApiError(404, "No such term.")
    return term


@router.get("/terms", summary="Glossary terms (approved and deprecated)", auth=None)
def list_terms(
    request: HttpRequest, q: str = "", cluster: str = "", page: int = 1, page_size: int = 100
) -> Any:
    qs = (
        Term.objects.filter(status__in=[Term.APPROVED, Term.DEPRECATED])
        .prefetch_related("broader", "related", "clusters", "variants__cluster")
        .select_related("replaced_by")
    )
    if q:
        qs = qs.filter(pref_label__icontains=q)
    if cluster:
        qs = qs.filter(clusters__slug=cluster)
    return json_response(paginate(request, qs, page, page_size, term_json))


@router.get("/terms/{slug}", summary="One term", auth=None)
def read_term(request: HttpRequest, slug: str) -> HttpResponse:
    return json_response(term_json(_term(request, slug)))


@router.post("/terms", summary="Propose a term", auth=token_auth)
def propose(request: HttpRequest, payload: TermIn) -> HttpResponse:
    term = workflow.propose(request.auth, payload.dict())  # type: ignore[attr-defined]
    return json_response(term_json(term), status=201)


@router.patch("/terms/{slug}", summary="Edit a term", auth=token_auth)
def edit(request: HttpRequest, slug: str, payload: dict[str, Any]) -> HttpResponse:
    term = _term(request, slug)
    workflow.edit(request.auth, term, payload)  # type: ignore[attr-defined]
    return json_response(term_json(term))


@router.post(
    "/terms/{slug}/{step}",
    summary="A workflow step: submit, approve, send-back, deprecate, comment",
    auth=token_auth,
)
def step(request: HttpRequest, slug: str, step: str, payload: StepIn) -> HttpResponse:
    term = _term(request, slug)
    workflow.run_step(request.auth, term, step, **payload.dict())  # type: ignore[attr-defined]
    term.refresh_from_db()
    return json_response(term_json(term))


@router.get("/skos", summary="The whole glossary as a SKOS concept scheme", auth=None)
def download_skos(request: HttpRequest, format: str = "turtle") -> HttpResponse:
    """`format` is turtle, json-ld or rdf-xml (the same files as /glossary/skos.ttl, .jsonld, .rdf)."""
    if format not in skos.FORMATS:
        raise ApiError(
            400,
            f"format must be one of {', '.join(skos.FORMATS)}.",
            [{"field": "format", "message": "unknown"}],
        )
    response = HttpResponse(
        skos.serialise(skos.graph(), format), content_type=f"{skos.FORMATS[format][1]}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="eosc-glossary.{skos.FORMATS[format][2]}"'
    return response
