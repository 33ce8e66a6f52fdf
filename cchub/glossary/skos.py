"""The glossary as SKOS: export (Turtle, JSON-LD, RDF/XML), integrity checks, and import
of a SKOS file merged by URI with a dry run.

Each term has a stable URI, ``{SITE_URL}/glossary/{slug}``; the scheme is
``{SITE_URL}/glossary/``. Labels and definitions carry language tags (English, plus each
translation); acronyms are alternative labels; a cluster's own definition is a
``skos:scopeNote`` naming the cluster; a deprecated term has ``owl:deprecated`` and
``dct:isReplacedBy``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS

from cchub.glossary.models import Term
from cchub.lib.text import clean_text, unique_slug
from cchub.lib.validators import LANGUAGE_TAG_RE, is_http_url

FORMATS = {  # name -> (rdflib format, media type, file extension)
    "turtle": ("turtle", "text/turtle", "ttl"),
    "json-ld": ("json-ld", "application/ld+json", "jsonld"),
    "rdf-xml": ("xml", "application/rdf+xml", "rdf"),
}
MEDIA_TYPES = {media: name for name, (_, media, _) in FORMATS.items()}


def base() -> str:
    return f"{settings.SITE_URL}/glossary/"


def term_uri(term: Term) -> URIRef:
    return URIRef(term.uri or f"{base()}{term.slug}")


def _add_term(g: Graph, term: Term, scheme: URIRef) -> None:
    node = term_uri(term)
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.inScheme, scheme))
    g.add((node, SKOS.prefLabel, Literal(term.pref_label, lang="en")))
    for label in [*term.alt_labels, *term.acronyms]:
        g.add((node, SKOS.altLabel, Literal(label, lang="en")))
    g.add((node, SKOS.definition, Literal(term.definition, lang="en")))
    for lang, entry in sorted(term.translations.items()):
        if not LANGUAGE_TAG_RE.match(lang) or not isinstance(entry, dict):
            continue  # written before keys were checked: leave it out rather than fail the export
        if entry.get("pref_label"):
            g.add((node, SKOS.prefLabel, Literal(entry["pref_label"], lang=lang)))
        for label in entry.get("alt_labels", []):
            g.add((node, SKOS.altLabel, Literal(label, lang=lang)))
        if entry.get("definition"):
            g.add((node, SKOS.definition, Literal(entry["definition"], lang=lang)))
    for example in term.examples:
        g.add((node, SKOS.example, Literal(example, lang="en")))
    if is_http_url(term.source_url):
        g.add((node, DCTERMS.source, URIRef(term.source_url)))
    if term.source:
        g.add((node, DCTERMS.bibliographicCitation, Literal(term.source)))
    broader = list(term.broader.all())
    for other in broader:
        g.add((node, SKOS.broader, term_uri(other)))
        g.add((term_uri(other), SKOS.narrower, node))
    if not broader:
        g.add((node, SKOS.topConceptOf, scheme))
        g.add((scheme, SKOS.hasTopConcept, node))
    for other in term.related.all():
        g.add((node, SKOS.related, term_uri(other)))
    for variant in term.variants.select_related("cluster"):
        g.add((node, SKOS.scopeNote, Literal(f"{variant.cluster.acronym}: {variant.text}", lang="en")))
    if term.decision:
        g.add((node, SKOS.historyNote, Literal(term.decision, lang="en")))
    if term.status == Term.DEPRECATED:
        g.add((node, OWL.deprecated, Literal(True)))
        if term.replaced_by:
            g.add((node, DCTERMS.isReplacedBy, term_uri(term.replaced_by)))


def graph(terms: Any = None) -> Graph:
    """The public glossary (approved and deprecated terms), or the given terms."""
    g = Graph()
    g.bind("skos", SKOS)
    g.bind("dct", DCTERMS)
    g.bind("owl", OWL)
    scheme = URIRef(base())
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal("EOSC glossary of the Competence Centre network", lang="en")))
    g.add((scheme, SKOS.prefLabel, Literal("EOSC glossary", lang="en")))
    qs = terms if terms is not None else Term.objects.filter(status__in=[Term.APPROVED, Term.DEPRECATED])
    public = {str(term_uri(t)) for t in Term.objects.filter(status__in=[Term.APPROVED, Term.DEPRECATED])}
    for term in qs.prefetch_related("broader", "related", "variants__cluster").select_related("replaced_by"):
        _add_term(g, term, scheme)
    # Links to terms that are not public are left out, so no URI dangles.
    links = (SKOS.broader, SKOS.narrower, SKOS.related)
    for s, p, o in list(g):
        if p in links and str(o) not in public or p in links and str(s) not in public:
            g.remove((s, p, o))
    return g


def serialise(g: Graph, name: str) -> bytes:
    rdf_format = FORMATS[name][0]
    data = g.serialize(format=rdf_format, encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode()


def integrity_problems(g: Graph) -> list[str]:
    """SKOS integrity: one prefLabel per language (S14), prefLabel/altLabel/hiddenLabel
    pairwise disjoint (S13), every concept labelled."""
    problems = []
    for concept in g.subjects(RDF.type, SKOS.Concept):
        per_lang: dict[str, list[str]] = defaultdict(list)
        for label in g.objects(concept, SKOS.prefLabel):
            per_lang[str(getattr(label, "language", None) or "")].append(str(label))
        if not per_lang:
            problems.append(f"{concept}: no skos:prefLabel")
        for lang, labels in per_lang.items():
            if len(labels) > 1:
                problems.append(
                    f"{concept}: {len(labels)} skos:prefLabel in language '{lang or 'none'}' "
                    f"({', '.join(labels)})"
                )
        kinds = {
            kind: {(str(x), getattr(x, "language", None)) for x in g.objects(concept, kind)}
            for kind in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
        }
        for a, b in (
            (SKOS.prefLabel, SKOS.altLabel),
            (SKOS.prefLabel, SKOS.hiddenLabel),
            (SKOS.altLabel, SKOS.hiddenLabel),
        ):
            for text, tag in kinds[a] & kinds[b]:
                problems.append(
                    f"{concept}: '{text}'@{tag} is both {a.split('#')[-1]} and {b.split('#')[-1]}"
                )
    return problems


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        verb = "would be" if self.dry_run or not self.ok else "were"
        if not self.ok:
            return f"{len(self.problems)} problem(s); nothing was written."
        return (
            f"{len(self.added)} term(s) {verb} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged."
        )


def _guess_format(name: str, content: bytes) -> str:
    lowered = name.lower()
    if lowered.endswith((".jsonld", ".json")):
        return "json-ld"
    if lowered.endswith((".rdf", ".xml", ".owl")):
        return "xml"
    if lowered.endswith((".nt",)):
        return "nt"
    head = content.lstrip()[:200]
    if head.startswith(b"{") or head.startswith(b"["):
        return "json-ld"
    if head.startswith(b"<"):
        return "xml"
    return "turtle"


def _text(value: Any) -> str:
    return clean_text(str(value))


def import_skos(name: str, content: bytes, user: Any, dry_run: bool = True) -> ImportReport:
    """Merge the concepts of a SKOS file into the glossary by URI. Every problem is
    reported (with the parser's line where it gives one) and then nothing is written."""

    report = ImportReport(dry_run=dry_run)
    g = Graph()
    try:
        g.parse(data=content, format=_guess_format(name, content))
    except Exception as exc:  # rdflib raises many kinds; each names the line when it knows it
        report.problems.append(f"{name}: not readable as RDF: {str(exc).strip()[:400]}")
        return report
    report.problems.extend(integrity_problems(g))
    concepts = sorted(set(g.subjects(RDF.type, SKOS.Concept)), key=str)
    if not concepts:
        report.problems.append(f"{name}: no skos:Concept found.")
    plans: list[tuple[str, dict[str, Any], Term | None]] = []
    ours = base()
    for concept in concepts:
        uri = str(concept)
        en_pref = [
            lbl
            for lbl in g.objects(concept, SKOS.prefLabel)
            if getattr(lbl, "language", None) in ("en", None)
        ]
        if not en_pref:
            report.problems.append(f"{uri}: no English (or untagged) skos:prefLabel")
            continue
        definitions = [
            d for d in g.objects(concept, SKOS.definition) if getattr(d, "language", None) in ("en", None)
        ]
        if not definitions:
            report.problems.append(f"{uri}: no English (or untagged) skos:definition")
            continue
        translations: dict[str, dict[str, Any]] = defaultdict(dict)
        for label in g.objects(concept, SKOS.prefLabel):
            lang = getattr(label, "language", None)
            if lang and lang != "en":
                translations[lang]["pref_label"] = _text(label)
        for label in g.objects(concept, SKOS.definition):
            lang = getattr(label, "language", None)
            if lang and lang != "en":
                translations[lang]["definition"] = str(label).strip()
        values: dict[str, Any] = {
            "pref_label": _text(en_pref[0])[:200],
            "definition": str(definitions[0]).strip(),
            "alt_labels": sorted(
                _text(a)
                for a in g.objects(concept, SKOS.altLabel)
                if getattr(a, "language", None) in ("en", None)
            ),
            "examples": sorted(_text(e) for e in g.objects(concept, SKOS.example)),
            "translations": dict(translations),
        }
        source = next(iter(g.objects(concept, DCTERMS.source)), None)
        citation = next(iter(g.objects(concept, DCTERMS.bibliographicCitation)), None)
        if isinstance(source, URIRef):
            values["source_url"] = str(source)
        if citation is not None or (source is not None and not isinstance(source, URIRef)):
            values["source"] = _text(citation if citation is not None else source)[:500]
        existing = (
            Term.objects.filter(slug=uri[len(ours) :]).first()
            if uri.startswith(ours)
            else Term.objects.filter(uri=uri).first()
        )
        plans.append((uri, values, existing))
    if report.problems:
        return report
    with transaction.atomic():
        for uri, values, existing in plans:
            if existing is None:
                report.added.append(uri)
                if not dry_run:
                    Term.objects.create(
                        slug=unique_slug(Term, values["pref_label"]),
                        uri="" if uri.startswith(ours) else uri,
                        status=Term.APPROVED,
                        proposed_by=user,
                        **values,
                    )
            else:
                # Acronyms travel as alternative labels: keep the ones we know as acronyms.
                labels = values.pop("alt_labels")
                values["acronyms"] = [x for x in labels if x in existing.acronyms]
                values["alt_labels"] = [x for x in labels if x not in existing.acronyms]
                changed = {k: v for k, v in values.items() if not _same(getattr(existing, k), v)}
                if changed:
                    report.updated.append(uri)
                    if not dry_run:
                        for key, value in changed.items():
                            setattr(existing, key, value)
                        existing.save()
                else:
                    report.unchanged.append(uri)
        if not dry_run:
            _link(g, plans)
    return report


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, list) and isinstance(new, list):
        return sorted(old) == sorted(new)
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: {f: v for f, v in e.items() if v} for k, e in old.items()} == \
            {k: {f: v for f, v in e.items() if v} for k, e in new.items()}
    return bool(old == new)


def _link(g: Graph, plans: list[tuple[str, dict[str, Any], Term | None]]) -> None:
    ours = base()

    def find(uri: str) -> Term | None:
        return (
            Term.objects.filter(slug=uri[len(ours) :]).first()
            if uri.startswith(ours)
            else Term.objects.filter(uri=uri).first()
        )

    for uri, _, _ in plans:
        term = find(uri)
        if term is None:
            continue
        node = URIRef(uri)
        broader = [t for o in g.objects(node, SKOS.broader) if (t := find(str(o)))]
        related = [t for o in g.objects(node, SKOS.related) if (t := find(str(o)))]
        if broader:
            term.broader.add(*broader)
        if related:
            term.related.add(*related)
