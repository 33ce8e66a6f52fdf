"""Walking a concept scheme's hierarchy (a few hundred concepts: read once, walk in memory)."""

from __future__ import annotations

from collections import defaultdict

from cchub.vocab.models import Concept


def _edges(scheme_slug: str) -> list[tuple[int, int | None]]:
    return list(Concept.objects.filter(scheme__slug=scheme_slug).values_list("pk", "broader_id"))


def subtree_ids(scheme_slug: str, notations: list[str]) -> set[int]:
    """The concepts named by ``notations`` and every concept below them."""
    roots = set(Concept.objects.filter(scheme__slug=scheme_slug, notation__in=notations)
                .values_list("pk", flat=True))
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, broader in _edges(scheme_slug):
        children[broader].append(pk)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def top_ids(scheme_slug: str) -> dict[int, int]:
    """Each concept's top concept (itself for a top concept)."""
    parent = dict(_edges(scheme_slug))
    tops: dict[int, int] = {}
    for pk in parent:
        node, seen = pk, set()
        while parent.get(node) is not None and node not in seen:
            seen.add(node)
            node = parent[node]  # type: ignore[assignment]
        tops[pk] = node
    return tops
