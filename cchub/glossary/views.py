"""The glossary's pages: A–Z, a term (HTML for people, RDF for machines), proposing and
the Task Force's workflow, and the whole glossary as SKOS."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cchub.glossary import skos, workflow
from cchub.glossary.jsonld import glossary_jsonld, term_jsonld
from cchub.glossary.models import Term
from cchub.lib import jsonld
from cchub.lib.negotiation import negotiate
from cchub.registry.models import Cluster

ALIASES = {
    "ttl": "turtle",
    "turtle": "turtle",
    "jsonld": "json-ld",
    "json-ld": "json-ld",
    "rdf": "rdf-xml",
    "xml": "rdf-xml",
    "rdf-xml": "rdf-xml",
}


def _rdf_format(request: HttpRequest) -> str | None:
    """The RDF format asked for by ?format= ("" if unknown) or the Accept header, if any."""
    return negotiate(request, skos.MEDIA_TYPES, ALIASES)


def _rdf_response(data: bytes, name: str, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(data, content_type=f"{skos.FORMATS[name][1]}; charset=utf-8")
    response["Vary"] = "Accept"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def term_list(request: HttpRequest) -> HttpResponse:
    terms = Term.objects.filter(status__in=[Term.APPROVED, Term.DEPRECATED]).prefetch_related("clusters")
    cluster = request.GET.get("cluster", "")
    if cluster:
        terms = terms.filter(clusters__slug=cluster)
    letters: OrderedDict[str, list[Term]] = OrderedDict()
    for term in sorted(terms, key=lambda t: t.pref_label.lower()):
        letters.setdefault(term.letter, []).append(term)
    working: list[Term] = []
    if request.user.is_authenticated:
        working = [
            t
            for t in Term.objects.filter(status__in=[Term.PROPOSED, Term.IN_REVIEW])
            if workflow.may_see(request.user, t)
        ]
    return jsonld.page(
        request,
        "glossary/list.html",
        {
            "letters": letters,
            "alphabet": [chr(c) for c in range(65, 91)],
            "clusters": Cluster.objects.all(),
            "cluster": cluster,
            "working": working,
            "editor": workflow.is_editor(request.user),
        },
        lambda: glossary_jsonld(term for group in letters.values() for term in group),
    )


def download(request: HttpRequest, ext: str) -> HttpResponse:
    name = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "rdf-xml"}.get(ext)
    if name is None:
        raise Http404("No such format")
    return _rdf_response(skos.serialise(skos.graph(), name), name, f"eosc-glossary.{ext}")


def term_detail(request: HttpRequest, slug: str) -> HttpResponse:
    term = get_object_or_404(
        Term.objects.select_related("replaced_by", "proposed_by", "decided_by"), slug=slug
    )
    if not workflow.may_see(request.user, term):
        raise Http404("No such term")
    wanted = _rdf_format(request)
    if wanted == "":
        return HttpResponse("Unknown format: use ttl, jsonld or rdf.", status=406, content_type="text/plain")
    if wanted:
        return _rdf_response(skos.serialise(skos.graph(Term.objects.filter(pk=term.pk)), wanted), wanted)
    response = render(
        request,
        "glossary/term.html",
        {
            "term": term,
            "jsonld": jsonld.embed(term_jsonld(term)) if term.is_public else "",
            "uri": skos.term_uri(term),
            "variants": term.variants.select_related("cluster"),
            "translations": sorted(term.translations.items()),
            "comments": term.comments.select_related("author"),
            "can_edit": workflow.may_edit(request.user, term),
            "can_review": workflow.may_review(request.user, term),
            "editor": workflow.is_editor(request.user),
            "replacements": Term.objects.filter(status=Term.APPROVED)
            .exclude(pk=term.pk)
            .only("slug", "pref_label"),
        },
    )
    response["Vary"] = "Accept"
    response["Link"] = (
        f'<{request.path}?format=ttl>; rel="alternate"; type="text/turtle", '
        f'<{request.path}?format=jsonld>; rel="alternate"; type="application/ld+json"'
    )
    return response


class TermForm(forms.Form):
    pref_label = forms.CharField(label="Preferred label", max_length=200)
    acronyms = forms.CharField(required=False, help_text="One per line")
    alt_labels = forms.CharField(
        label="Alternative labels",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line",
    )
    definition = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="In your own words")
    source = forms.CharField(required=False, max_length=500, help_text="A citation")
    source_url = forms.URLField(label="Source URL", required=False)
    translations = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One language per line: code: label | definition (e.g. fr: science ouverte | Pratique …)",
    )
    examples = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="One per line"
    )


def _form_data(term: Term) -> dict[str, Any]:
    return {
        "pref_label": term.pref_label,
        "acronyms": "\n".join(term.acronyms),
        "alt_labels": "\n".join(term.alt_labels),
        "definition": term.definition,
        "source": term.source,
        "source_url": term.source_url,
        "examples": "\n".join(term.examples),
        "translations": "\n".join(
            f"{lang}: {t.get('pref_label', '')} | {t.get('definition', '')}"
            for lang, t in sorted(term.translations.items())
        ),
    }


def parse_translations(text: str) -> dict[str, dict[str, str]]:
    """'fr: label | definition' lines → {"fr": {"pref_label", "definition"}}."""
    found: dict[str, dict[str, str]] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        lang, sep, rest = line.partition(":")
        label, _, definition = rest.partition("|")
        if not sep or not lang.strip().isalpha() or len(lang.strip()) > 3 or not label.strip():
            raise forms.ValidationError(f"Line {number}: write 'code: label | definition'.")
        found[lang.strip().lower()] = {"pref_label": label.strip(), "definition": definition.strip()}
    return found


def _save(request: HttpRequest, term: Term | None) -> HttpResponse:
    form = TermForm(request.POST or None, initial=_form_data(term) if term else None)
    data: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        try:
            data = {
                **form.cleaned_data,
                "translations": parse_translations(form.cleaned_data["translations"]),
            }
        except forms.ValidationError as exc:
            form.add_error("translations", exc)
    if data:
        try:
            if term is None:
                term = workflow.propose(request.user, data)
                messages.success(request, "Proposed. Submit it for review when it is ready.")
            else:
                workflow.edit(request.user, term, data)
                messages.success(request, "Saved.")
        except workflow.GlossaryError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect(term)
    title = f"Edit: {term.pref_label}" if term else "Propose a term"
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": title, "back": term.get_absolute_url() if term else "/glossary/"},
        status=400 if form.errors else 200,
    )


@login_required
def propose(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    term = get_object_or_404(Term, slug=slug)
    if not workflow.may_edit(request.user, term):
        raise Http404("No such term")
    return _save(request, term)


@require_POST
@login_required
def action(request: HttpRequest, slug: str, step: str) -> HttpResponse:
    term = get_object_or_404(Term, slug=slug)
    if not workflow.may_see(request.user, term):
        raise Http404("No such term")
    if step not in workflow.STEPS:
        raise Http404("No such step")
    post = request.POST
    try:
        workflow.run_step(
            request.user,
            term,
            step,
            reviewers=post.get("reviewers", "").split(),
            decision=post.get("decision", ""),
            replaced_by=post.get("replaced_by", ""),
            body=post.get("body", ""),
        )
    except workflow.GlossaryError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Done.")
    return redirect(term)
