"""Published knowledge-base articles in the hub's search."""

from __future__ import annotations

from cchub.registry.search import FACET_LABELS, VALUE_LABELS, concept_labels, with_ancestors
from cchub.search import DocumentData, SearchType, register
from cchub.support.models import Article


def article_document(article: Article) -> DocumentData | None:
    if article.status != Article.APPROVED:
        return None
    competences = with_ancestors(list(article.competences.select_related("broader__broader")))
    keywords = [article.centre.acronym]
    for concept in competences:
        keywords.extend(concept_labels(concept))
    return DocumentData(
        title=article.title,
        url=article.get_absolute_url(),
        keywords=keywords,
        body=article.body,
        date=article.approved_at or article.updated_at,
        facets={
            "competence": [c.notation for c in competences],
            "cluster": [k.slug for k in article.centre.clusters.all()],
        },
    )


def register_types() -> None:
    """Index knowledge-base articles (called by ``cchub.wiring``)."""
    register(
        SearchType(
            name="article",
            label="Knowledge base",
            model=Article,
            build=article_document,
            queryset=lambda: Article.objects.select_related("centre").prefetch_related(
                "competences", "centre__clusters"
            ),
            facets=("competence", "cluster"),
        ),
        FACET_LABELS,
        VALUE_LABELS,
    )
