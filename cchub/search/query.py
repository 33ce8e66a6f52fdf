"""Searching the index: one results contract on SQLite FTS5 and PostgreSQL full text.

A query is parsed into terms (words, "quoted phrases", the last word as a prefix while the
user types), each term is widened with its synonyms from the vocabularies, and the engine
ranks the matches (BM25 with field weights on FTS5, ts_rank with A/B/C weights on
PostgreSQL: title above keywords above body). All terms must match; when that finds
nothing the query is relaxed to any term. Facet counts are computed for each facet
without its own selection. Nothing the user types reaches the engine's query syntax:
terms are reduced to words and quoted.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import connection

from cchub.search import bounded
from cchub.search import semantic as vectors
from cchub.search.index import FACET_LABELS, TYPES
from cchub.search.models import Document, Term, ZeroResultQuery
from cchub.search.sql import WORD, rows
from cchub.search.synonyms import ready as phrase_tokens
from cchub.search.synonyms import synonyms

MAX_QUERY = 500
MAX_TERMS = 12
STOPWORDS = frozenset("""
    a an and are as at be by can do for from get how i in is it me my of on or our the to we
    what where which who with you your
""".split())
# Field weights: title, keywords, body. FTS5 takes them as BM25 column weights; PostgreSQL's
# ts_rank takes {D, C, B, A} = {unused, body, keywords, title}.
FTS5_WEIGHTS = "25.0, 5.0, 1.0, 0.0"  # the fourth column holds facet tags
TS_WEIGHTS = "{0.02, 0.1, 0.3, 1.0}"


class QueryError(ValueError):
    pass


@dataclass
class QueryTerm:
    words: list[str]
    prefix: bool = False  # the last word may be the start of a longer word
    phrase: bool = False  # the words must stand together, in order
    alternatives: list[list[str]] = field(default_factory=list)  # synonyms, each a phrase

    @property
    def text(self) -> str:
        return " ".join(self.words)


def parse(q: str) -> list[QueryTerm]:
    """Words and quoted phrases; an unbalanced quote is ignored; operators are just words."""
    q = (q or "")[:MAX_QUERY]
    if q.count('"') % 2:
        q = q[::-1].replace('"', "", 1)[::-1]
    terms: list[QueryTerm] = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', q):
        words = WORD.findall((phrase or word).lower())
        if not words:
            continue
        if phrase:
            terms.append(QueryTerm(words, phrase=len(words) > 1))
        else:
            terms.extend(QueryTerm([w]) for w in words)
    if terms and q and not q.endswith((" ", '"')) and len(terms[-1].words) == 1:
        last = terms[-1]
        last.prefix = len(last.words[0]) >= 2
    meaningful = [t for t in terms if not (len(t.words) == 1 and t.words[0] in STOPWORDS)]
    return (meaningful or terms)[:MAX_TERMS]


def expand(terms: list[QueryTerm]) -> list[QueryTerm]:
    """Attach synonyms; consecutive words that form a vocabulary label become one term
    (matching the words, or the label's other labels)."""
    table = synonyms()
    merged: list[QueryTerm] = []
    i = 0
    while i < len(terms):
        term = terms[i]
        if not term.phrase:
            for size in range(min(4, len(terms) - i), 1, -1):
                run = terms[i:i + size]
                if all(len(t.words) == 1 and not t.phrase for t in run):
                    words = [t.words[0] for t in run]
                    if " ".join(words) in table:
                        term = QueryTerm(words, prefix=run[-1].prefix)
                        break
        term.alternatives = table.get(term.text, [])[:6]
        merged.append(term)
        i += len(term.words) if not term.phrase else 1
    return merged


# ------------------------------------------------------------------------- engines


def _ts_phrase(words: list[str], prefix: bool) -> str:
    parts = [w + (":*" if prefix and i == len(words) - 1 else "") for i, w in enumerate(words)]
    return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


@dataclass(frozen=True)
class Dialect:
    """How one engine writes a phrase (a single word is a one-word phrase) and the operators."""

    phrase: Callable[[list[str], bool], str]  # (words, last word is a prefix) -> operand
    all_of: str
    any_of: str


FTS5 = Dialect(phrase=lambda words, prefix: '"' + " ".join(words) + '"' + ("*" if prefix else ""),
               all_of=" AND ", any_of=" OR ")
TSQUERY = Dialect(phrase=_ts_phrase, all_of=" & ", any_of=" | ")


def render_query(terms: list[QueryTerm], any_term: bool, dialect: Dialect | None = None) -> str:
    """The engine's query for ``terms``: each term (its words, or a synonym) as one group."""
    d = dialect or (TSQUERY if connection.vendor == "postgresql" else FTS5)

    def own(t: QueryTerm) -> str:
        if t.phrase or len(t.words) == 1:
            return d.phrase(t.words, t.prefix)
        last = len(t.words) - 1
        return "(" + d.all_of.join(d.phrase([w], t.prefix and i == last) for i, w in enumerate(t.words)) + ")"

    groups = ["(" + d.any_of.join([own(t)] + [d.phrase(a, False) for a in _needed(t)]) + ")"
              for t in terms]
    return (d.any_of if any_term else d.all_of).join(groups)


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


def _needed(t: QueryTerm) -> list[list[str]]:
    """The synonyms an OR with the term still needs: a synonym that holds the term's words
    (or another synonym) as they stand finds nothing more, and its phrase is costly to match
    ("personal data protection gdpr" beside "gdpr")."""
    def covered(alt: list[str], by: list[str], together: bool) -> bool:
        return alt != by and (_contains(alt, by) if together else set(by) <= set(alt))

    alternatives = [a for i, a in enumerate(t.alternatives) if a not in t.alternatives[:i]]
    return [a for a in alternatives
            if not (not t.prefix and covered(a, t.words, t.phrase or len(t.words) == 1))
            and not any(covered(a, other, True) for other in alternatives)]


@dataclass
class Plan:
    """The SQL pieces of one search: a FROM/WHERE that selects matching documents."""

    match: str | None  # engine query string, None for browsing without words
    types: list[str]
    filters: dict[str, list[str]]
    exact: str | None = None  # the same query without synonyms: its matches rank first
    also_ids: list[int] = field(default_factory=list)  # found by meaning, not by words
    materialised: bool = False  # SQLite: the matches of ``match`` are in temp.search_hits

    def where(self, skip: str | None = None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.match is not None:
            if connection.vendor == "postgresql":
                match = "d.tsv @@ to_tsquery('english', %s)"
                params.append(self.match)
            elif self.materialised:
                match = "d.id IN (SELECT id FROM temp.search_hits)"
            else:
                match = "d.id IN (SELECT -rowid FROM search_fts WHERE search_fts MATCH %s)"
                params.append(self.match)
            if self.also_ids:
                match = f"({match} OR d.id IN ({', '.join(['%s'] * len(self.also_ids))}))"
                params.extend(self.also_ids)
            clauses.append(match)
        if self.types and skip != "type":
            clauses.append(f"d.doc_type IN ({', '.join(['%s'] * len(self.types))})")
            params.extend(self.types)
        for name, values in self.filters.items():
            if name == skip or not values:
                continue
            clauses.append("d.id IN (SELECT document_id FROM search_facetvalue WHERE name = %s AND value IN ("
                           + ", ".join(["%s"] * len(values)) + "))")
            params.extend([name, *values])
        return (" AND ".join(clauses) or "1=1"), params

    def pg_score(self) -> tuple[str, list[Any]]:
        return f"ts_rank('{TS_WEIGHTS}', d.tsv, to_tsquery('english', %s), 0)", [self.match]


def _materialise(plan: Plan) -> Plan:
    """SQLite: evaluate the FTS match once and keep its rowids in a per-connection temporary
    table, so that counting and every facet query reuse them instead of matching again."""
    if connection.vendor != "sqlite" or plan.match is None:
        return plan
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS search_hits (id INTEGER PRIMARY KEY)")
        cur.execute("DELETE FROM temp.search_hits")
        cur.execute("INSERT INTO temp.search_hits SELECT -rowid FROM search_fts WHERE search_fts MATCH %s",
                    [plan.match])
    plan.materialised = True
    return plan


def _count(plan: Plan) -> int:
    if plan.materialised and not (plan.types or plan.filters or plan.also_ids):
        return int(rows("SELECT COUNT(*) FROM temp.search_hits", [])[0][0])
    where, params = plan.where()
    return int(rows(f"SELECT COUNT(*) FROM search_document d WHERE {where}", params)[0][0])


def _ranked(plan: Plan, match: str, offset: int, limit: int) -> list[tuple[int, float]]:
    """One tier of results ranked by the engine's own score for ``match``."""
    ranked = Plan(match, plan.types, plan.filters)
    where, params = ranked.where()
    if connection.vendor == "postgresql":
        score, score_params = ranked.pg_score()
        sql = (f"SELECT d.id, {score} AS score FROM search_document d WHERE {where} "
               "ORDER BY score DESC, d.id LIMIT %s OFFSET %s")
        found = rows(sql, [*score_params, *params, limit, offset])
    else:
        # FTS5 ranks fastest from its own table; the filters join onto it.
        sql = (f"SELECT d.id, -bm25(search_fts, {FTS5_WEIGHTS}) AS score FROM search_fts "
               "JOIN search_document d ON d.id = -search_fts.rowid "
               f"WHERE search_fts MATCH %s AND {where} ORDER BY score DESC, d.id LIMIT %s OFFSET %s")
        found = rows(sql, [match, *params, limit, offset])
    return [(r[0], float(r[1])) for r in found]


def _without(match: str, exact: str) -> str:
    return f"({match}) & !({exact})" if connection.vendor == "postgresql" else f"({match}) NOT ({exact})"


def _page(plan: Plan, sort: str, offset: int, limit: int) -> list[tuple[int, float]]:
    if plan.match is not None and sort == "relevance":
        if plan.exact is None or plan.exact == plan.match:
            return _ranked(plan, plan.match, offset, limit)
        # Records matching the words as typed first, then those found only through synonyms.
        n_exact = _count(Plan(plan.exact, plan.types, plan.filters))
        hits = _ranked(plan, plan.exact, offset, limit) if offset < n_exact else []
        if len(hits) < limit:
            hits += _ranked(plan, _without(plan.match, plan.exact), max(0, offset - n_exact),
                            limit - len(hits))
        return hits
    where, params = plan.where()
    order = "d.date DESC, d.id" if connection.vendor == "postgresql" else "d.date IS NULL, d.date DESC, d.id"
    sql = f"SELECT d.id FROM search_document d WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
    return [(r[0], 0.0) for r in rows(sql, [*params, limit, offset])]


FACET_EXACT_LIMIT = 2000


def _facet_counts(plan: Plan, names: list[str], total: int) -> tuple[dict[str, list[tuple[str, int]]], bool]:
    """Counts per facet value over the matches, and whether they are exact.

    Facets without a selection share one grouped query; a facet with a selection is counted
    without it. Each query starts from the matching documents and reads their facet values
    from a covering index. Up to FACET_EXACT_LIMIT matches the counts are exact; beyond, they
    are estimated from the first FACET_EXACT_LIMIT matches and scaled to the total."""
    names = ["type", *[n for n in names if n != "type"]]
    selected = [n for n in names if (n == "type" and plan.types) or plan.filters.get(n)]
    result: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
    groups = [(None, [n for n in names if n not in selected])] + [(n, [n]) for n in selected]
    exact = True
    for skip, group in groups:
        if not group:
            continue
        where, params = plan.where(skip=skip)
        matched = total if skip is None else int(rows(
            f"SELECT COUNT(*) FROM search_document d WHERE {where}", params)[0][0])
        sampled = matched > FACET_EXACT_LIMIT
        exact = exact and not sampled
        counted = rows(
            f"SELECT fv.name, fv.value, COUNT(*) FROM (SELECT d.id FROM search_document d WHERE {where} "
            "LIMIT %s) m CROSS JOIN search_facetvalue fv WHERE fv.document_id = m.id AND fv.name IN ("
            + ", ".join(["%s"] * len(group)) + ") GROUP BY fv.name, fv.value",
            [*params, FACET_EXACT_LIMIT, *group])
        scale = matched / FACET_EXACT_LIMIT if sampled else 1.0
        for name, value, count in counted:
            result[name].append((value, max(1, round(int(count) * scale))))
    for name in result:
        result[name] = sorted(result[name], key=lambda vc: (-vc[1], vc[0]))[:60]
    return result, exact


# ------------------------------------------------------------------------- results


@dataclass
class Hit:
    doc_type: str
    object_id: str
    title: str
    url: str
    score: float
    snippet: str
    date: Any
    facets: dict[str, list[str]]


@dataclass
class Results:
    query: str
    total: int
    page: int
    page_size: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    relaxed: bool = False
    total_exact: bool = True  # False: an estimate (large SQLite index, broad query)
    facets_exact: bool = True
    suggestion: str | None = None
    synonyms_used: dict[str, list[str]] = field(default_factory=dict)


def facet_names(types: list[str]) -> list[str]:
    names: list[str] = []
    for t in TYPES.values():
        if not types or t.name in types:
            names.extend(n for n in t.facets if n not in names)
    return names


def search(q: str, *, types: list[str] | None = None, filters: dict[str, list[str]] | None = None,
           page: int = 1, page_size: int = 20, sort: str = "relevance", log: bool = True,
           semantic: bool | None = None) -> Results:
    types = [t for t in (types or []) if t]
    unknown = [t for t in types if t not in TYPES]
    if unknown:
        raise QueryError(f"unknown type(s): {', '.join(unknown)}; expected {', '.join(TYPES)}")
    filters = {k: [v for v in vs if v] for k, vs in (filters or {}).items() if vs}
    allowed = set(facet_names(types))
    bad = [name for name in filters if name not in allowed]
    if bad:
        raise QueryError(f"unknown facet(s): {', '.join(bad)}; expected {', '.join(sorted(allowed))}")
    if sort not in {"relevance", "date"}:
        raise QueryError("sort must be 'relevance' or 'date'")
    if len(q or "") > MAX_QUERY:
        raise QueryError(f"the query is longer than {MAX_QUERY} characters")
    terms = expand(parse(q))
    hybrid = bool(terms) and sort == "relevance" and (
        semantic if semantic is not None else settings.SEMANTIC_SEARCH and vectors.available())
    offset = (page - 1) * page_size
    match = render_query(terms, any_term=False) if terms else None
    if not hybrid and bounded.applies(match, sort):
        return _bounded(q, terms, types, filters, page, page_size, log)
    bare = [QueryTerm(t.words, t.prefix, t.phrase) for t in terms]
    # Both engines stem a typed prefix ("jupy" becomes "jupi", which "jupyter" does not start
    # with): the words of the index it may become find what it means.
    terms_for_match = bounded.complete(terms, keep_prefix=True)
    match = render_query(terms_for_match, any_term=False) if terms else None
    plan = _materialise(Plan(match, types, filters, render_query(bare, any_term=False) if terms else None))
    total = _count(plan)
    relaxed = False
    if total == 0 and len(terms) > 1:
        plan = _materialise(Plan(render_query(terms_for_match, any_term=True), types, filters,
                                 render_query(bare, any_term=True)))
        total = _count(plan)
        relaxed = total > 0
    keyword_total = total
    if hybrid:
        ranked, total = _hybrid(q, plan, offset, page_size)
    else:
        ranked = _page(plan, sort, offset, page_size) if total else []
    facets, facets_exact = _facet_counts(plan, facet_names(types), total)
    return _results(q, terms, types, filters, page, page_size, log, ranked, total, keyword_total,
                    facets, facets_exact=facets_exact, relaxed=relaxed)


def _bounded(q: str, terms: list[QueryTerm], types: list[str], filters: dict[str, list[str]],
             page: int, page_size: int, log: bool) -> Results:
    """A large SQLite index: see search.bounded. All terms must match, then any."""
    names = facet_names(types)
    typed = bounded.complete(terms)
    tokens = phrase_tokens()
    dialect = replace(FTS5, phrase=lambda words, prefix: f'"{tokens[key]}"'
                      if not prefix and (key := " ".join(words)) in tokens else FTS5.phrase(words, prefix))
    # Each term's IDF from its words and one-word synonyms and completions, and the synonym
    # phrases that are index tokens: walking a phrase costs more than the search itself.
    exprs = [render_query([replace(t, alternatives=[a for a in t.alternatives if len(a) == 1
                                                    or " ".join(a) in tokens])],
                          any_term=False, dialect=dialect) for t in typed]
    offset = (page - 1) * page_size
    found = bounded.search(terms, render_query(typed, any_term=False, dialect=dialect), exprs, types, filters,
                           names, offset, page_size)
    relaxed = False
    if found.total == 0 and len(terms) > 1:
        found = bounded.search(terms, render_query(typed, any_term=True, dialect=dialect), exprs, types,
                               filters, names, offset, page_size, all_terms=False)
        relaxed = found.total > 0
    return _results(q, terms, types, filters, page, page_size, log, found.ranked, found.total, found.total,
                    found.facets, facets_exact=found.facets_exact, relaxed=relaxed,
                    total_exact=found.total_exact)


def _results(q: str, terms: list[QueryTerm], types: list[str], filters: dict[str, list[str]], page: int,
             page_size: int, log: bool, ranked: list[tuple[int, float]], total: int, keyword_total: int,
             facets: dict[str, list[tuple[str, int]]], *, facets_exact: bool, relaxed: bool,
             total_exact: bool = True) -> Results:
    docs = Document.objects.in_bulk([pk for pk, _ in ranked])
    words = [w for t in terms for w in t.words] + [w for t in terms for a in t.alternatives for w in a]
    hits = [Hit(d.doc_type, d.object_id, d.title, d.url, score, snippet(d.body or d.keywords, words),
                d.date, d.facets)
            for pk, score in ranked if (d := docs.get(pk))]
    # A misspelling may still have neighbours by meaning; the suggestion follows the words.
    suggestion = suggest(terms, types, filters) if terms and keyword_total == 0 else None
    if total == 0 and terms and log:
        ZeroResultQuery.objects.create(query=q[:500], doc_types=types, filters=filters)
    return Results(
        query=q, total=total, page=page, page_size=page_size, hits=hits,
        facets=facets, facets_exact=facets_exact, relaxed=relaxed, suggestion=suggestion,
        total_exact=total_exact,
        synonyms_used={t.text: [" ".join(a) for a in t.alternatives] for t in terms if t.alternatives},
    )


FUSION_DEPTH = 200


def _hybrid(q: str, plan: Plan, offset: int, limit: int) -> tuple[list[tuple[int, float]], int]:
    """Keyword ranks and nearest-neighbour ranks fused; the total counts both."""
    allowed = None
    if plan.types or plan.filters:
        where, params = Plan(None, plan.types, plan.filters).where()
        allowed = {r[0] for r in rows(f"SELECT d.id FROM search_document d WHERE {where}", params)}
    near = [doc_id for doc_id, _ in vectors.nearest(q, allowed, k=100)]
    keyword = [doc_id for doc_id, _ in _page(plan, "relevance", 0, FUSION_DEPTH)] if plan.match else []
    fused = vectors.fuse([keyword, near])
    plan.also_ids = [i for i in near if i not in set(keyword)]
    total = _count(plan)
    hits = fused[offset:offset + limit]
    if len(hits) < limit and total > len(fused):
        seen = {i for i, _ in fused}
        start = FUSION_DEPTH + max(0, offset - len(fused))
        more = _page(Plan(plan.match, plan.types, plan.filters, plan.exact), "relevance", start, limit)
        hits += [(i, 0.0) for i, _ in more if i not in seen][: limit - len(hits)]
    return hits, total


def snippet(text: str, words: list[str], size: int = 32) -> str:
    """A window of the text around the first match, HTML-escaped, matches in <mark>."""
    text = re.sub(r"[*_`#>\[\]]+", "", text or "")
    tokens = text.split()
    if not tokens:
        return ""
    stems = sorted({w[: max(4, len(w) - 2)] for w in words if len(w) >= 2})
    # A token that starts (after leading punctuation) with one of the stems, in any case.
    starts = re.compile(r"[.,;:()!?\"']*(?:" + "|".join(map(re.escape, stems)) + ")", re.IGNORECASE)

    def hit(token: str) -> bool:
        return bool(stems) and starts.match(token) is not None

    first = next((i for i, tok in enumerate(tokens) if hit(tok)), 0)
    start = max(0, first - size // 3)
    window = tokens[start:start + size]
    out = " ".join(f"<mark>{html.escape(t)}</mark>" if hit(t) else html.escape(t) for t in window)
    return ("… " if start else "") + out + (" …" if start + size < len(tokens) else "")


def suggest(terms: list[QueryTerm], types: list[str], filters: dict[str, list[str]]) -> str | None:
    """"Did you mean": replace words the index does not know by close ones it does."""
    changed = False
    fixed: list[str] = []
    for term in terms:
        new_words = []
        for word in term.words:
            if len(word) < 4 or word.isdigit() or Term.objects.filter(term=word).exists() or (
                    term.prefix and Term.objects.filter(term__startswith=word).exists()):
                new_words.append(word)
                continue
            pool = list(Term.objects.filter(term__startswith=word[:2]).values_list("term", flat=True)[:5000])
            pool = [p for p in pool if abs(len(p) - len(word)) <= 2]
            close = difflib.get_close_matches(word, pool, n=1, cutoff=0.75)
            if close:
                new_words.append(close[0])
                changed = True
            else:
                new_words.append(word)
        fixed.append(" ".join(new_words) if len(term.words) == 1 else f'"{" ".join(new_words)}"')
    if not changed:
        return None
    candidate = " ".join(fixed)
    candidate_terms = expand(parse(candidate + " "))
    render = render_query
    if _count(Plan(render(candidate_terms, any_term=False), types, filters)) == 0:
        return None
    return candidate


def facet_label(name: str) -> str:
    return FACET_LABELS.get(name, name.replace("_", " ").capitalize())
