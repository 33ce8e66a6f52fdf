"""Selecting centres: the one place where the centre filters of the pages and the API live."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cchub.registry.models import COMPETENCES, Centre
from cchub.vocab.tree import subtree_ids

CENTRE_FILTERS = ("cluster", "country", "kind", "status", "competence")


def filter_centres(qs: QuerySet[Centre], q: str, filters: dict[str, list[str]]) -> QuerySet[Centre]:
    """Centres with the words of ``q`` in acronym, name or description and, for each filter,
    any of its values (a competence area matches every competence below it)."""
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(acronym__icontains=q) | Q(name__icontains=q) | Q(description__icontains=q))
    for name, values in filters.items():
        values = [v for v in values if v]
        if not values:
            continue
        if name == "cluster":
            qs = qs.filter(clusters__slug__in=values)
        elif name == "country":
            # JSON containment is not portable across SQLite and PostgreSQL; match the code token.
            cond = Q()
            for v in values:
                cond |= Q(countries__icontains=f'"{v.upper()}"')
            qs = qs.filter(cond)
        elif name == "kind":
            qs = qs.filter(kind__in=values)
        elif name == "status":
            qs = qs.filter(status__in=values)
        elif name == "competence":
            qs = qs.filter(offers__competence__in=subtree_ids(COMPETENCES, values))
    return qs.distinct()
