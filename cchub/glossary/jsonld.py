"""Glossary terms and the glossary as schema.org DefinedTerm and DefinedTermSet."""

from __future__ import annotations

from typing import Any

from cchub.glossary.models import Term
from cchub.lib.jsonld import SCHEMA, clean, url, work

GLOSSARY_PATH = "/glossary/"
GLOSSARY = "EOSC glossary"


def term_jsonld(term: Term) -> dict[str, Any]:
    """A glossary term as a schema.org DefinedTerm (its URI also answers SKOS)."""
    return clean(
        {
            "@context": SCHEMA,
            "@type": "DefinedTerm",
            "@id": term.uri or url(term.get_absolute_url()),
            "url": url(term.get_absolute_url()),
            "name": term.pref_label,
            "alternateName": [*term.alt_labels, *term.acronyms],
            "description": term.definition,
            "inDefinedTermSet": {"@type": "DefinedTermSet", "@id": url(GLOSSARY_PATH), "name": GLOSSARY},
            "subjectOf": work(term.source, term.source_url),
        }
    )


def glossary_jsonld(terms: Any) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "DefinedTermSet",
        "@id": url(GLOSSARY_PATH),
        "name": GLOSSARY,
        "description": "Terms of the European Open Science Cloud, as the Glossary Task Force approved them.",
        "hasDefinedTerm": [
            {"@type": "DefinedTerm", "@id": t.uri or url(t.get_absolute_url()), "name": t.pref_label}
            for t in terms
        ],
    }
