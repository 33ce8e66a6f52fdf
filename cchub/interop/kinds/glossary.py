"""How glossary terms are shared with other hubs (OAI-PMH) and received from them. A
received term keeps its original URI (our SKOS export names it), carries its origin, and
is read-only here: the Task Force of its own hub decides on it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from cchub.glossary import skos
from cchub.glossary.models import Term, TermDefinition
from cchub.glossary.workflow import clean
from cchub.interop.kinds.registry import ensure_cluster
from cchub.interop.publish import Incoming, Kind, dublin_core, identifier_of, register
from cchub.lib.jsonld import url
from cchub.registry.models import Cluster

FIELDS = (
    "pref_label",
    "alt_labels",
    "acronyms",
    "definition",
    "source",
    "source_url",
    "examples",
    "translations",
)


def term_record(term: Term) -> dict[str, Any] | None:
    if not term.is_public:
        return None
    public = [Term.APPROVED, Term.DEPRECATED]
    return {
        "slug": term.slug,
        "uri": str(skos.term_uri(term)),
        **{f: getattr(term, f) for f in FIELDS},
        "status": term.status,
        "broader": [identifier_of(t) for t in term.broader.filter(status__in=public)],
        "related": [identifier_of(t) for t in term.related.filter(status__in=public)],
        "replaced_by": identifier_of(term.replaced_by) if term.replaced_by else "",
        "clusters": [{"slug": k.slug, "acronym": k.acronym, "name": k.name} for k in term.clusters.all()],
        "variants": [
            {
                "cluster": {"slug": v.cluster.slug, "acronym": v.cluster.acronym, "name": v.cluster.name},
                "text": v.text,
                "source": v.source,
            }
            for v in term.variants.select_related("cluster")
        ],
        "page": url(term.get_absolute_url()),
    }


def term_dc(term: Term, record: dict[str, Any]) -> dict[str, list[str]]:
    return dublin_core(
        title=term.pref_label,
        description=term.definition,
        identifier=[record["uri"], record["page"]],
        type="Glossary term",
        subject=[*term.acronyms, *term.alt_labels],
        source=[term.source, term.source_url],
        language=["en", *sorted(term.translations)],
        relation=[url(k.get_absolute_url()) for k in term.clusters.all()],
        date=term.updated_at.date().isoformat(),
    )


def receive_term(data: dict[str, Any], incoming: Incoming) -> Term:
    term = incoming.local or Term(
        origin=incoming.source, slug=incoming.slug_for(Term, str(data.get("slug", "")))
    )
    values = clean({f: data.get(f) for f in FIELDS if f in data}, term)
    for key, value in values.items():
        setattr(term, key, value)
    term.uri = str(data.get("uri") or data.get("page") or "")[:400]
    term.status = Term.DEPRECATED if data.get("status") == Term.DEPRECATED else Term.APPROVED
    term.replaced_by = incoming.find(data["replaced_by"]) if data.get("replaced_by") else None
    term.save()
    term.broader.set(incoming.find_all(data.get("broader", [])))
    term.related.set(incoming.find_all(data.get("related", [])))
    term.clusters.set(Cluster.objects.filter(slug__in=[ensure_cluster(k) for k in data.get("clusters", [])]))
    term.variants.all().delete()
    for variant in data.get("variants", []):
        cluster = Cluster.objects.filter(slug=ensure_cluster(variant.get("cluster") or {})).first()
        if cluster is not None and variant.get("text"):
            TermDefinition.objects.create(
                term=term, cluster=cluster, text=variant["text"], source=variant.get("source") or ""
            )
    return term


def term_twin(data: dict[str, Any], local: Any) -> Term | None:
    q = Q(pref_label__iexact=data.get("pref_label", ""))
    if data.get("uri"):
        q |= Q(uri=data["uri"])
    qs = Term.objects.filter(q)
    return qs.exclude(pk=local.pk).first() if local is not None else qs.first()


def register_kinds() -> None:
    """Publish glossary terms (called by ``cchub.wiring``)."""
    register(
        Kind(
            name="term",
            label="Glossary terms",
            model=Term,
            set_spec="glossary",
            queryset=lambda: Term.objects.prefetch_related("clusters", "broader", "related"),
            record=term_record,
            dc=term_dc,
            sets=lambda t: sorted(f"cluster:{k.slug}" for k in t.clusters.all()),
            related={Cluster: lambda k: k.terms.all() if k.pk else []},
            receive=receive_term,
            twin=term_twin,
            remove=lambda obj: obj.delete(),
        ),
        sets={"glossary": "EOSC glossary"},
    )
