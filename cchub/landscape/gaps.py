"""Gaps in the network's competences, ranked, each with the evidence behind it and a
recommendation drawn from that evidence.

- **uncovered**: a competence no centre offers;
- **single point of failure**: a competence one centre alone offers;
- **referral only**: offered, but only by centres that refer elsewhere;
- **demand over supply**: questions to the helpdesk (by workflow stage), searches that found
  nothing and searches for training that found nothing, set against the centres offering
  the competence (weighted by level);
- **a stage missing**: a science cluster, or a country with centres, where no centre offers
  a whole workflow stage.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cchub.landscape.coverage import LEVEL_LABELS, Matrix, live
from cchub.lib.countries import country_name
from cchub.search import zero_result_queries
from cchub.support import stats
from cchub.vocab.models import Concept

SUPPLY_WEIGHT = {"expert": 1.0, "hands-on": 1.0, "training": 0.75, "referral": 0.25}
TRAINING_TYPES = {"event", "material"}
DEMAND_RATIO = 2.0  # requests per supplying centre above which demand outstrips supply


@dataclass
class Demand:
    """Evidence of need for one competence (or workflow stage) in a period."""

    tickets: int = 0
    searches: int = 0
    training: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.tickets + self.searches + self.training

    def words(self) -> str:
        parts = []
        if self.tickets:
            parts.append(f"{self.tickets} helpdesk question{'s' * (self.tickets != 1)} in this stage")
        if self.searches:
            parts.append(f"{self.searches} search{'es' * (self.searches != 1)} that found nothing")
        if self.training:
            parts.append(
                f"{self.training} search{'es' * (self.training != 1)} for training that found nothing"
            )
        text = ", ".join(parts)
        if self.examples:
            text += " (e.g. " + "; ".join(f"“{e}”" for e in self.examples[:3]) + ")"
        return text


@dataclass
class Gap:
    kind: str
    subject: str
    notation: str
    score: float
    evidence: str
    recommendation: str
    where: str = ""  # a cluster or country, for a missing stage
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "uncovered": "Not offered",
    "single": "Single point of failure",
    "referral": "Referral only",
    "demand": "Demand over supply",
    "stage": "Workflow stage missing",
}


def _matcher() -> tuple[re.Pattern[str], dict[str, set[str]]]:
    """One pattern for every competence's labels and acronyms (longest first), and which
    competences each label names."""
    names: dict[str, set[str]] = {}
    for notation, label, alts in Concept.objects.filter(scheme__slug="competences").values_list(
        "notation", "pref_label", "alt_labels"
    ):
        for text in {label, *alts}:
            text = text.strip().lower()
            if len(text) >= 2:
                names.setdefault(text, set()).add(notation)
    alternatives = "|".join(re.escape(t) for t in sorted(names, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b"), names


def demand(start: dt.datetime, end: dt.datetime) -> dict[str, Demand]:
    """What was asked for in [start, end), by competence notation (tickets by their stage,
    an area; searches matched to the competences whose labels they name)."""
    found: dict[str, Demand] = {}
    for notation, n in stats.asked_by_stage(start, end):
        found.setdefault(notation, Demand()).tickets += n
    pattern, names = _matcher()
    queries: Counter[tuple[str, bool]] = Counter()
    searches = zero_result_queries(start, end)
    for query, types in searches:
        queries[(query, bool(types) and set(types) <= TRAINING_TYPES)] += 1
    for (query, for_training), n in queries.items():
        matched = {notation for m in pattern.finditer(query.lower()) for notation in names[m.group(0)]}
        for notation in matched:
            entry = found.setdefault(notation, Demand())
            if for_training:
                entry.training += n
            else:
                entry.searches += n
            if len(entry.examples) < 3 and query not in entry.examples:
                entry.examples.append(query[:80])
    return found


def _level(row: Any) -> str:
    return LEVEL_LABELS[next(iter(row.total.levels))].lower()


def _supply(levels: Counter[str]) -> float:
    return sum(SUPPLY_WEIGHT[level] * n for level, n in levels.items())


def _centres(cell_centres: set[str]) -> str:
    names = sorted(cell_centres)
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def analyse(
    start: dt.datetime, end: dt.datetime, kind: str = "", status: str = "", matrix: Matrix | None = None
) -> list[Gap]:
    """Every gap, most pressing first."""
    matrix = matrix or live("cluster", kind, status)
    asked = demand(start, end)
    gaps: list[Gap] = []
    for row in matrix.rows:
        need = asked.get(row.notation, Demand())
        pressure = math.log1p(need.total)
        n = row.total.count
        evidence_need = f" Demand in the period: {need.words()}." if need.total else ""
        where = "the area" if row.is_area else "the competence"
        if n == 0:
            gaps.append(
                Gap(
                    "uncovered",
                    row.label,
                    row.notation,
                    10 + 3 * pressure,
                    f"No centre offers {where} “{row.label}”.{evidence_need}",
                    f"Find a centre to offer “{row.label}”: ask the clusters' centres with neighbouring "
                    "competences, or partner with a research infrastructure that has the expertise.",
                    figures={"centres": 0, "demand": need.total},
                )
            )
            continue
        if n == 1:
            only = next(iter(row.total.centres))
            gaps.append(
                Gap(
                    "single",
                    row.label,
                    row.notation,
                    6 + 3 * pressure,
                    f"Only {only} offers “{row.label}” ({_level(row)}).{evidence_need}",
                    f"Reduce the dependence on {only}: train a second centre in “{row.label}” (an exchange "
                    "of staff between centres, or a train-the-trainer event), or document the expertise.",
                    figures={"centres": 1, "demand": need.total},
                )
            )
        if set(row.total.levels) == {"referral"}:
            gaps.append(
                Gap(
                    "referral",
                    row.label,
                    row.notation,
                    5 + 3 * pressure,
                    f"“{row.label}” is offered only as referral, by {_centres(row.total.centres)}."
                    f"{evidence_need}",
                    f"Build hands-on support for “{row.label}” in at least one centre, so that referrals end "
                    "somewhere in the network.",
                    figures={"centres": n, "demand": need.total},
                )
            )
        supply = _supply(row.total.levels)
        if need.total and need.total / supply >= DEMAND_RATIO:
            ratio = need.total / supply
            gaps.append(
                Gap(
                    "demand",
                    row.label,
                    row.notation,
                    4 + 2 * math.log1p(ratio) + pressure,
                    f"{need.total} requests against {n} centre{'s' * (n != 1)} offering “{row.label}” "
                    f"(weighted supply {supply:.2f}; {ratio:.1f} requests per centre): {need.words()}.",
                    f"Demand for “{row.label}” outstrips what the network offers: add capacity (a further "
                    "centre, or more hands-on support where it is offered as training or referral), and a "
                    "knowledge-base article for the questions that recur.",
                    figures={
                        "centres": n,
                        "demand": need.total,
                        "supply": round(supply, 2),
                        "ratio": round(ratio, 2),
                    },
                )
            )
    gaps.extend(_missing_stages(matrix, kind, status))
    return sorted(gaps, key=lambda g: (-g.score, g.kind, g.subject, g.where))


def _missing_stages(matrix: Matrix, kind: str, status: str) -> list[Gap]:
    """Clusters (and countries with centres) where no centre offers a whole workflow stage."""
    gaps = []
    countries = live("country", kind, status)
    for columns_matrix, score, what in ((matrix, 3.0, "cluster"), (countries, 2.0, "country")):
        for key, label in columns_matrix.columns:
            members = columns_matrix.column_totals.get(key, 0)
            if not members or key == "EU":
                continue
            name = label if what == "cluster" else country_name(key)
            missing = [area for area, _ in columns_matrix.areas() if area.cells.get(key) is None]
            for area in missing:
                gaps.append(
                    Gap(
                        "stage",
                        area.label,
                        area.notation,
                        score,
                        f"None of the {members} centre{'s' * (members != 1)} of {name} offers anything in "
                        f"“{area.label}”.",
                        f"Connect {name}'s researchers to a centre elsewhere for “{area.label}” (a referral "
                        f"agreement), or build the stage up within {name}.",
                        where=name,
                        figures={"centres": members},
                    )
                )
    return gaps
