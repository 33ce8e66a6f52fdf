"""The coverage matrix: competences (rows, grouped by the taxonomy's areas) × clusters or
countries (columns); each cell counts the centres that offer the competence, by the best
level each offers it at. One aggregation serves the live registry and any release's frozen
snapshot, so two releases compare with the same arithmetic."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cchub.lib.countries import country_name
from cchub.registry.models import COMPETENCES, Centre, Cluster, CompetenceOffer
from cchub.vocab.models import Concept

RANK = CompetenceOffer.LEVEL_RANK
LEVELS = [key for key, _ in CompetenceOffer.LEVELS]
LEVEL_LABELS = dict(CompetenceOffer.LEVELS)


@dataclass
class Cell:
    centres: set[str] = field(default_factory=set)
    levels: Counter[str] = field(default_factory=Counter)  # best level per centre

    @property
    def count(self) -> int:
        return len(self.centres)


@dataclass
class Row:
    notation: str
    label: str
    area: str  # the notation of its area (itself for an area)
    is_area: bool
    cells: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)


@dataclass
class Matrix:
    by: str  # "cluster" or "country"
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[Row]
    column_totals: dict[str, int]

    def row(self, notation: str) -> Row:
        return next(r for r in self.rows if r.notation == notation)

    def areas(self) -> list[tuple[Row, list[Row]]]:
        groups: list[tuple[Row, list[Row]]] = []
        for row in self.rows:
            if row.is_area:
                groups.append((row, []))
            elif groups:
                groups[-1][1].append(row)
        return groups


@dataclass
class Taxonomy:
    """The competence taxonomy as plain data: order, labels, each concept's area."""

    order: list[str]
    labels: dict[str, str]
    area_of: dict[str, str]

    @classmethod
    def load(cls) -> Taxonomy:
        fields = ("pk", "notation", "pref_label", "broader_id", "position")
        concepts = list(Concept.objects.filter(scheme__slug=COMPETENCES).values_list(*fields))
        parent = {pk: broader for pk, _, _, broader, _ in concepts}
        notation = {pk: n for pk, n, _, _, _ in concepts}

        def top(pk: int) -> int:
            seen = set()
            while parent.get(pk) is not None and pk not in seen:
                seen.add(pk)
                pk = parent[pk]  # type: ignore[assignment]
            return pk

        ordered = sorted(concepts, key=lambda c: c[4])
        areas = [c for c in ordered if c[3] is None]
        order = []
        for area in areas:
            order.append(area[1])
            order.extend(c[1] for c in ordered if c[3] is not None and top(c[0]) == area[0])
        return cls(
            order=order,
            labels={n: label for _, n, label, _, _ in concepts},
            area_of={notation[pk]: notation[top(pk)] for pk in notation},
        )


def aggregate(
    offers: Iterable[tuple[str, str, str]],
    columns_of: dict[str, list[str]],
    column_labels: list[tuple[str, str]],
    taxonomy: Taxonomy,
    by: str,
) -> Matrix:
    """``offers``: (competence notation, centre key, level); ``columns_of``: centre key ->
    its columns (clusters or countries). An area's row counts the centres offering the area
    or anything in it."""
    best: dict[tuple[str, str], str] = {}
    for notation, centre, level in offers:
        if notation not in taxonomy.area_of or centre not in columns_of:
            continue
        for target in {notation, taxonomy.area_of[notation]}:
            key = (target, centre)
            if key not in best or RANK[level] > RANK[best[key]]:
                best[key] = level
    rows = {
        n: Row(
            notation=n, label=taxonomy.labels[n], area=taxonomy.area_of[n], is_area=taxonomy.area_of[n] == n
        )
        for n in taxonomy.order
    }
    for (notation, centre), level in best.items():
        row = rows[notation]
        row.total.centres.add(centre)
        row.total.levels[level] += 1
        for column in columns_of[centre]:
            cell = row.cells.setdefault(column, Cell())
            cell.centres.add(centre)
            cell.levels[level] += 1
    totals = Counter(column for cols in columns_of.values() for column in cols)
    return Matrix(
        by=by, columns=column_labels, rows=[rows[n] for n in taxonomy.order], column_totals=dict(totals)
    )


def _public_centres(kind: str = "", status: str = "") -> Any:
    qs = Centre.objects.public()
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def live(by: str = "cluster", kind: str = "", status: str = "") -> Matrix:
    """The matrix of the registry as it is now."""
    # Centres are named by acronym (unique, and what people recognise).
    centres = {
        pk: (acronym, countries)
        for pk, acronym, countries in _public_centres(kind, status).values_list("pk", "acronym", "countries")
    }
    if by == "country":
        columns_of = {slug: [c for c in countries if c] for slug, countries in centres.values()}
        used = sorted({c for cols in columns_of.values() for c in cols}, key=country_name)
        labels = [(c, country_name(c)) for c in used]
    else:
        links = Centre.clusters.through.objects.filter(centre_id__in=centres).values_list(
            "centre_id", "cluster_id"
        )
        clusters = {k.pk: k for k in Cluster.objects.all()}
        columns_of = {slug: [] for slug, _ in centres.values()}
        for centre_id, cluster_id in links:
            columns_of[centres[centre_id][0]].append(clusters[cluster_id].slug)
        labels = [(k.slug, k.acronym) for k in clusters.values()]
    offers = CompetenceOffer.objects.filter(centre_id__in=centres).values_list(
        "competence__notation", "centre__acronym", "level"
    )
    return aggregate(offers, columns_of, labels, Taxonomy.load(), by)


def from_snapshot(snapshot: dict[str, Any], by: str = "cluster", taxonomy: Taxonomy | None = None) -> Matrix:
    """The matrix of a release's frozen snapshot."""
    centres = [c for c in snapshot.get("centres", []) if c.get("review_state", "approved") == "approved"]
    key = "clusters" if by == "cluster" else "countries"
    columns_of = {c["acronym"]: list(c.get(key) or []) for c in centres}
    acronym = {c["slug"]: c["acronym"] for c in centres}
    if by == "cluster":
        labels = [(k["slug"], k["acronym"]) for k in snapshot.get("clusters", [])]
    else:
        used = sorted({x for cols in columns_of.values() for x in cols}, key=country_name)
        labels = [(x, country_name(x)) for x in used]
    offers = [
        (o["competence"], acronym[o["centre"]], o["level"])
        for o in snapshot.get("offers", [])
        if o["centre"] in acronym
    ]
    return aggregate(offers, columns_of, labels, taxonomy or Taxonomy.load(), by)


@dataclass
class Change:
    notation: str
    label: str
    is_area: bool
    before: int
    after: int
    gained: list[str]  # centres
    lost: list[str]
    stronger: list[str]  # centres that now offer it at a higher level
    weaker: list[str]

    @property
    def verdict(self) -> str:
        if self.before == 0 and self.after > 0:
            return "added"
        if self.before > 0 and self.after == 0:
            return "lost"
        if self.after > self.before or (self.stronger and not self.weaker and self.after == self.before):
            return "strengthened"
        if self.after < self.before or self.weaker:
            return "weakened"
        return "unchanged"


def _best_levels(snapshot: dict[str, Any], taxonomy: Taxonomy) -> dict[str, dict[str, str]]:
    """competence -> centre -> the best level it offers (an area counts what is in it)."""
    acronym = {
        c["slug"]: c["acronym"]
        for c in snapshot.get("centres", [])
        if c.get("review_state", "approved") == "approved"
    }
    best: dict[str, dict[str, str]] = defaultdict(dict)
    for o in snapshot.get("offers", []):
        if o["centre"] not in acronym or o["competence"] not in taxonomy.area_of:
            continue
        centre = acronym[o["centre"]]
        for target in {o["competence"], taxonomy.area_of[o["competence"]]}:
            current = best[target].get(centre)
            if current is None or RANK[o["level"]] > RANK[current]:
                best[target][centre] = o["level"]
    return best


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What changed in the coverage of each competence between two snapshots."""
    taxonomy = Taxonomy.load()
    before, after = _best_levels(old, taxonomy), _best_levels(new, taxonomy)
    changes = []
    for notation in taxonomy.order:
        a, b = before.get(notation, {}), after.get(notation, {})
        shared = set(a) & set(b)
        changes.append(
            Change(
                notation=notation,
                label=taxonomy.labels[notation],
                is_area=taxonomy.area_of[notation] == notation,
                before=len(a),
                after=len(b),
                gained=sorted(set(b) - set(a)),
                lost=sorted(set(a) - set(b)),
                stronger=sorted(c for c in shared if RANK[b[c]] > RANK[a[c]]),
                weaker=sorted(c for c in shared if RANK[b[c]] < RANK[a[c]]),
            )
        )
    return changes
