"""Bounded search for large SQLite indexes: work per query that does not grow with the index.

On a small index FTS5 ranks every match with its own ``bm25()``. On a large one that costs
too much for broad queries: ``bm25()`` first reads the whole doclist of every query term to
count the documents that contain it (34 ms for a word found in 99 % of a million records),
and ranking means scoring every match. Above ``settings.SEARCH_BOUNDED_FROM`` documents a
relevance search on SQLite therefore

* walks the newest ``WALK`` matches, facet filters included (they are FTS5 tokens, see
  ``index.tag``), and the newest ``TITLE_WALK`` matches with every term in the title;
* ranks those candidates with BM25F in Python: title and keywords scored by their term
  frequencies and lengths, the body credited once for a term found only there, each term
  weighted by its IDF from document frequencies kept in a small per-process cache;
* counts exactly up to ``WALK`` matches; beyond, walks a few of the newest matches in each
  of three slices of the older id range, and estimates the total and the facet counts slice
  by slice from how far each walk reached (``Results.total_exact`` is then false): records
  added in blocks weigh as much as they match.

Pages past the ranked candidates continue with the older matches, newest first.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models.functions import Length

from cchub.search.index import tag
from cchub.search.sql import rows

WALK = 300
TITLE_WALK = 100
K1, B = 1.2, 0.75
FIELD_WEIGHTS = {"title": 25.0, "keywords": 5.0, "body": 1.0}
_DF_CACHE: dict[str, tuple[float, int]] = {}
_DF_TTL = 600.0
_RANGE: list[Any] = [0.0, (0, 0)]


def id_range() -> tuple[int, int]:
    """Lowest and highest document id (cached for a minute): the index's extent."""
    if time.monotonic() - _RANGE[0] > 60:
        lo, hi = rows("SELECT MIN(id), MAX(id) FROM search_document", [])[0]
        _RANGE[:] = [time.monotonic(), (lo or 0, hi or 0)]
    return _RANGE[1]  # type: ignore[no-any-return]


def applies(match: str | None, sort: str) -> bool:
    if connection.vendor != "sqlite" or match is None or sort != "relevance":
        return False
    lo, hi = id_range()
    return bool(hi) and hi - lo + 1 >= settings.SEARCH_BOUNDED_FROM


def filter_expr(types: list[str], filters: dict[str, list[str]], skip: str | None = None) -> str:
    """Facet selections as FTS5 terms: OR inside a facet, AND across facets. The user's
    words beside them need no column filter (which would make FTS5 read every match's
    positions): a tag is an "f" and digits, a token no one types."""
    groups = [("type", types)] + list(filters.items())
    parts = ['(' + " OR ".join(f'"{tag(name, v)}"' for v in values) + ')'
             for name, values in groups if values and name != skip]
    return " AND ".join(parts)


def _and(*parts: str) -> str:
    return " AND ".join(f"({p})" for p in parts if p)


def walk(expr: str, limit: int, offset: int = 0, table: str = "search_fts",
         ids: tuple[int, int] | None = None, exclude: Iterable[int] = ()) -> list[int]:
    """Ids of the newest matches of ``expr`` (within the id range ``ids``, leaving out
    ``exclude``), newest first; FTS5 stops reading doclists once ``limit`` are found.
    ``table``: ``search_title`` holds titles alone. The tables' rowids are minus the ids
    (see index.FTS_TABLES)."""
    sql = f"SELECT -rowid FROM {table} WHERE {table} MATCH %s"
    params: list[Any] = [expr]
    if ids is not None:
        sql += " AND rowid >= %s AND rowid <= %s"
        params += [-ids[1], -ids[0]]
    left_out = [-i for i in exclude]
    if left_out:
        sql += f" AND rowid NOT IN ({', '.join(['%s'] * len(left_out))})"
        params += left_out
    return [r[0] for r in rows(sql + " ORDER BY rowid LIMIT %s OFFSET %s", [*params, limit, offset])]


SLICES = 3
SLICE_SHARE = 12  # each older slice's walk: 1/12 of the newest walk (25 of 300)


@dataclass
class Sample:
    """The newest ``limit`` matches, and when there are more, a few of the newest in each of
    ``SLICES`` equal slices of the older id range, so that records added in blocks (an
    import, a harvest) weigh in the estimates as much as they match. ``parts`` holds each
    walk's ids and how many matches each of them stands for."""

    newest: list[int]
    parts: list[tuple[list[int], float]]
    total: int
    exact: bool


def _slices(lo: int, hi: int, count: int) -> list[tuple[int, int]]:
    size = max(1, -(-(hi - lo + 1) // count))
    return [(max(lo, top - size + 1), top) for top in range(hi, lo - 1, -size)]


def sample(expr: str, limit: int) -> Sample:
    """Exact up to ``limit`` matches; beyond, the older slices' totals estimated from how far
    into each slice its walk reached."""
    newest = walk(expr, limit + 1)
    if len(newest) <= limit:
        return Sample(newest, [(newest, 1.0)] if newest else [], len(newest), True)
    newest = newest[:limit]
    parts, total = [(newest, 1.0)], limit
    per = max(1, limit // SLICE_SHARE)
    for lo, hi in _slices(id_range()[0], newest[-1] - 1, SLICES):
        ids = walk(expr, per + 1, ids=(lo, hi))
        matched = len(ids)
        if matched > per:
            covered = (hi - ids[per - 1] + 1) / (hi - lo + 1)
            matched, ids = max(per + 1, min(hi - lo + 1, round(per / covered))), ids[:per]
        if ids:
            parts.append((ids, matched / len(ids)))
        total += matched
    return Sample(newest, parts, total, False)


COMPLETIONS = 8


def completions(word: str) -> list[str]:
    """Whole indexed words that start with ``word``, shortest first."""
    from cchub.search.models import Term

    return list(Term.objects.filter(term__startswith=word).order_by(Length("term"), "term")
                .values_list("term", flat=True)[:COMPLETIONS])


def complete(terms: list[Any], keep_prefix: bool = False) -> list[Any]:
    """The word being typed as the words it may become. FTS5 answers a prefix longer than its
    prefix indexes (2 and 3 letters) by merging the doclists of every word that starts with
    it before returning anything (60 ms for "data*" at a million records); an OR of whole
    words is read lazily and stops with the walk. ``keep_prefix`` (the exact path, on both
    engines) keeps the prefix too: it is stemmed ("jupy" becomes "jupi"), so alone it can
    miss its own words."""
    done = []
    for term in terms:
        word = term.words[-1]
        if term.prefix and len(word) > 3:
            found = [w for w in completions(word) if w != word]
            term = replace(term, prefix=keep_prefix, alternatives=[
                *term.alternatives, *([*term.words[:-1], w] for w in found)])
        done.append(term)
    return done


def document_frequency(expr: str) -> int:
    now = time.monotonic()
    cached = _DF_CACHE.get(expr)
    if cached and now - cached[0] < _DF_TTL:
        return cached[1]
    if len(_DF_CACHE) > 20_000:
        _DF_CACHE.clear()
    df = sample(expr, 2000).total
    _DF_CACHE[expr] = (now, df)
    return df


# ------------------------------------------------------------------------- scoring


AVERAGE_BODY = 60.0  # tokens; bodies are read only for the best candidates
SYNONYM_SHARE = 0.5  # a term found only through a synonym counts half
TOKEN_END = r"(?![^\W_])"


def _key(token: str) -> str:
    """A light stand-in for the index's Porter stems: the first six letters, or a short
    word without its plural s."""
    if len(token) >= 6:
        return token[:6]
    return token[:-1] if len(token) > 3 and token.endswith("s") else token


def _pattern(word: str, prefix: bool) -> str:
    """Every token whose key is the word's (or that starts with it, for a prefix), and a few more."""
    if prefix:
        return re.escape(word) + r"[^\W_]*"
    key = _key(word)
    return re.escape(key) + (r"[^\W_]*" if len(key) >= 6 else "s?")


def matcher(terms: list[Any]) -> re.Pattern[str]:
    """One expression that finds, in a lower-cased text, the tokens any query word may count:
    a candidate's text is scanned once, in C, and only the tokens found are looked at."""
    words = {(w, t.prefix and i == len(t.words) - 1) for t in terms for i, w in enumerate(t.words)}
    words |= {(w, False) for t in terms for a in t.alternatives for w in a}
    # Longest first, so that a prefix of another word's pattern does not end the token early.
    alternatives = sorted({_pattern(w, p) for w, p in words}, key=lambda x: (-len(x), x))
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + ")" + TOKEN_END)


_NONE: Counter[str] = Counter()


@dataclass
class Field:
    """One field of one candidate: its length in words (split on white space, the keywords'
    " ; " not counted: a regular expression's count cost four times as much), and the
    query's tokens found in it."""

    length: int
    found: list[str]
    keys: Counter[str]

    @classmethod
    def of(cls, text: str, pattern: re.Pattern[str]) -> Field:
        low = text.lower()
        found = pattern.findall(low)
        length = len(low.split()) - low.count(" ; ")
        return cls(length, found, Counter(map(_key, found)) if found else _NONE)

    def frequency(self, words: list[str], prefix: bool) -> int:
        """How often the words occur (the least frequent of them); the last one as a prefix."""
        if not self.found:
            return 0
        last = len(words) - 1
        counts = [sum(1 for t in self.found if t.startswith(w)) if prefix and i == last
                  else self.keys.get(_key(w), 0) for i, w in enumerate(words)]
        return min(counts) if counts else 0


def _saturate(tf: int, length: int, average: float) -> float:
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / max(average, 1.0)))


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


@dataclass
class Candidate:
    """A walked match: its title and keywords; its body read only when it is ranked with it."""

    doc_id: int
    title_text: str = ""
    keywords_text: str = ""
    body_text: str | None = None
    fields: dict[str, Field] = dataclass_field(default_factory=dict)

    def text(self, name: str) -> str:
        if name == "body" and self.body_text is None:
            self.body_text = _read(["body"], [self.doc_id])[self.doc_id][0] or ""
        return {"title": self.title_text, "keywords": self.keywords_text, "body": self.body_text or ""}[name]


def _marks(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _by_ids(sql: str, ids: Iterable[int], params: list[Any] | None = None) -> Iterable[tuple[Any, ...]]:
    """Rows of ``sql`` (its ``{ids}`` a list of ids, then ``params``), asked in chunks small
    enough for any SQLite's limit on parameters."""
    ids = list(ids)
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        yield from rows(sql.format(ids=_marks(chunk)), [*chunk, *(params or [])])


def _read(columns: list[str], ids: Iterable[int]) -> dict[int, tuple[Any, ...]]:
    """Columns of search_document by id."""
    return {pk: tuple(values) for pk, *values in
            _by_ids(f"SELECT id, {', '.join(columns)} FROM search_document WHERE id IN ({{ids}})", ids)}


def _fetch(ids: Iterable[int]) -> dict[int, Candidate]:
    return {pk: Candidate(pk, title or "", keywords or "") for pk, (title, keywords)
            in _read(["title", "keywords"], ids).items()}


def _read_bodies(candidates: list[Candidate]) -> None:
    missing = {c.doc_id: c for c in candidates if c.body_text is None}
    for pk, (body,) in _read(["body"], missing).items():
        missing[pk].body_text = body or ""


class Scorer:
    """BM25F: each term's IDF times the field-weighted, length-normalised saturation of its
    frequency in title, keywords and body; synonyms count when the term itself is absent."""

    def __init__(self, terms: list[Any], exprs: list[str], candidates: list[Candidate]) -> None:
        lo, hi = id_range()
        n = max(1, hi - lo + 1)
        self.terms = terms
        self.pattern = matcher(terms)
        self.weights = [idf(document_frequency(e), n) for e in exprs]
        count = max(1, len(candidates))
        self.average = {name: sum(self.field(c, name).length for c in candidates) / count
                        for name in ("title", "keywords")} | {"body": AVERAGE_BODY}

    def field(self, c: Candidate, name: str) -> Field:
        if name not in c.fields:
            c.fields[name] = Field.of(c.text(name), self.pattern)
        return c.fields[name]

    def _part(self, c: Candidate, words: list[str], prefix: bool, with_body: bool) -> float:
        total = 0.0
        for name in ("title", "keywords", "body") if with_body else ("title", "keywords"):
            f = self.field(c, name)
            tf = f.frequency(words, prefix)
            if tf:
                total += FIELD_WEIGHTS[name] * _saturate(tf, f.length, self.average[name])
        return total

    def score(self, c: Candidate, with_body: bool, present: bool) -> float:
        """``present``: every term is known to occur (all terms were required), so a term
        missing from the fields scored is credited once in the body without reading it."""
        total = 0.0
        for term, weight in zip(self.terms, self.weights, strict=True):
            part = self._part(c, term.words, term.prefix, with_body)
            if not part:
                synonyms = [self._part(c, alt, False, with_body) for alt in term.alternatives]
                part = SYNONYM_SHARE * max(synonyms, default=0.0)
            if not part and present and not with_body:
                part = FIELD_WEIGHTS["body"]
            total += weight * part
        return total


def rank(terms: list[Any], exprs: list[str], candidates: list[Candidate], all_terms: bool,
         depth: int) -> list[tuple[int, float]]:
    """Score every candidate on title and keywords (and body when not every term is known to
    occur), then the best ``depth`` again with their body."""
    scorer = Scorer(terms, exprs, candidates)

    def order(scored: list[tuple[int, float]]) -> list[tuple[int, float]]:
        return sorted(scored, key=lambda item: (-item[1], -item[0]))

    by_id = {c.doc_id: c for c in candidates}
    if not all_terms:
        _read_bodies(candidates)
    first = order([(c.doc_id, scorer.score(c, with_body=not all_terms, present=all_terms))
                   for c in candidates])
    if not all_terms:
        return first
    _read_bodies([by_id[i] for i, _ in first[:depth]])
    head = order([(i, scorer.score(by_id[i], with_body=True, present=True)) for i, _ in first[:depth]])
    return head + first[depth:]


# ------------------------------------------------------------------------- one search


@dataclass
class Outcome:
    ranked: list[tuple[int, float]]
    total: int
    total_exact: bool
    facets: dict[str, list[tuple[str, int]]]
    facets_exact: bool


def _count_facets(found: Sample, names: list[str]) -> dict[tuple[str, str], float]:
    """Facet values of the walked documents, counted from the covering index of facet rows,
    each document weighted by the matches it stands for."""
    counts: dict[tuple[str, str], float] = {}
    for ids, weight in found.parts:
        for name, value, n in _by_ids("SELECT name, value, COUNT(*) FROM search_facetvalue WHERE document_id "
                                      f"IN ({{ids}}) AND name IN ({_marks(names)}) GROUP BY name, value",
                                      ids, names):
            counts[(name, value)] = counts.get((name, value), 0.0) + n * weight
    return counts


def search(terms: list[Any], match: str, term_exprs: list[str], types: list[str],
           filters: dict[str, list[str]], names: list[str], offset: int, limit: int,
           all_terms: bool = True) -> Outcome:
    names = ["type", *[n for n in names if n != "type"]]
    words_expr = match
    chosen = filter_expr(types, filters)
    walked = sample(_and(words_expr, chosen), WALK)
    title_ids = walk(_and(match, chosen), TITLE_WALK, table="search_title") if not walked.exact else []
    pool = list(dict.fromkeys(walked.newest + title_ids))
    candidates = _fetch(pool)
    ranked = rank(terms, term_exprs, [candidates[i] for i in pool if i in candidates],
                  all_terms, depth=2 * (offset + limit))
    # Past the ranked candidates: every other match, newest first.
    page = ranked[offset:offset + limit]
    if len(page) < limit and walked.total > len(ranked):
        page += [(i, 0.0) for i in walk(_and(words_expr, chosen), limit - len(page),
                                        offset=max(0, offset - len(ranked)), exclude=pool)]
    facets, facets_exact = _facets(words_expr, types, filters, names, walked)
    return Outcome(page, walked.total, walked.exact, facets, walked.exact and facets_exact)


def _facets(words_expr: str, types: list[str], filters: dict[str, list[str]], names: list[str],
            walked: Sample) -> tuple[dict[str, list[tuple[str, int]]], bool]:
    """Each facet counted over the matches without its own selection, from a walked sample
    scaled slice by slice to the estimated total; and whether every count is exact."""
    selected = [n for n in names if (types if n == "type" else filters.get(n))]
    result: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
    groups = [([n for n in names if n not in selected], walked)]
    groups += [([name], sample(_and(words_expr, filter_expr(types, filters, skip=name)), WALK))
               for name in selected]
    for group, found in groups:
        for (name, value), weighted in (_count_facets(found, group) if group and found.parts else {}).items():
            result[name].append((value, max(1, round(weighted))))
    exact = all(found.exact for _, found in groups)
    return {n: sorted(vs, key=lambda vc: (-vc[1], vc[0]))[:60] for n, vs in result.items()}, exact
