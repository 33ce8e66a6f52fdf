"""Synonyms from the vocabularies, and their multi-word labels as index tokens (SQLite).

``synonyms()`` maps every label of every concept and approved glossary term to the other
labels of the same concept: "DMP" finds data management planning.

A multi-word synonym such as "secure data" is a phrase of common words. FTS5 checks a
phrase position by position in every record holding all its words, which made a broad
filtered search at a million records take 30 ms and more in that check alone. Each such
phrase is therefore *registered* (``Phrase``), and a record that contains it also carries
one token for it in its tags (``token``). The records that contain a phrase are found by
FTS5 itself, with the index's own tokenizer in a scratch in-memory table (``found``), so
the token matches exactly the records the phrase matches, inflections included.

Bounded search (search.bounded) asks for the token instead of the phrase once the phrase is
``ready``: a phrase registered while the index already held records becomes ready when
``backfill`` (a background task) has given those records its token. Until then the phrase
itself is asked for, which finds the same records more slowly. PostgreSQL needs none of it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django_tasks import task

from cchub.search.models import Phrase
from cchub.search.sql import WORD, rows
from cchub.vocab.models import Concept

SYNONYM_CACHE_KEY = "cchub-search-synonyms"
MAX_WORDS = 4  # longer labels are not used as synonyms
TOKENIZE = "porter unicode61 remove_diacritics 2"  # the index's own (migrations 0004, 0005)


def _concept_labels() -> Iterable[list[str]]:
    return ([pref, *alts] for pref, alts in Concept.objects.values_list("pref_label", "alt_labels"))


# Where synonyms come from: each gives sets of labels that name the same thing. The
# vocabularies' concepts always; the glossary adds its terms (``cchub.wiring``).
SOURCES: list[Callable[[], Iterable[list[str]]]] = [_concept_labels]


def add_source(source: Callable[[], Iterable[list[str]]]) -> None:
    if source not in SOURCES:
        SOURCES.append(source)


def synonyms() -> dict[str, list[list[str]]]:
    """Label → the other labels of the same concept, from every source; their multi-word
    labels are registered as phrases on the way."""
    cached = cache.get(SYNONYM_CACHE_KEY)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    table: dict[str, list[list[str]]] = {}
    sets = [labels for source in SOURCES for labels in source()]
    for all_labels in sets:
        labels = [WORD.findall(label.lower()) for label in all_labels]
        labels = [words for words in labels if words and len(words) <= MAX_WORDS]
        for words in labels:
            others = table.setdefault(" ".join(words), [])
            others.extend(w for w in labels if w != words and w not in others)
    register(label for label in table if " " in label)
    cache.set(SYNONYM_CACHE_KEY, table, 300)
    return table


def token(phrase: str) -> str:
    """The one token that stands for a phrase (its words joined by spaces); "p" and digits,
    as facet tags are "f" and digits (index.tag)."""
    digest = hashlib.blake2b(f"phrase\x1f{phrase}".encode(), digest_size=8).digest()
    return f"p{int.from_bytes(digest, 'big')}"


# ------------------------------------------------------------------------- registry


def register(phrases: Iterable[str]) -> None:
    """Add phrases not registered yet. They are ready at once while the full-text index is
    empty (a writer registers before it writes its first rows there); otherwise the records
    already indexed get their tokens from ``backfill``, queued when this transaction commits."""
    if connection.vendor != "sqlite":
        return
    wanted = set(phrases)
    known = set(Phrase.objects.values_list("words", flat=True))
    new = sorted(p for p in wanted - known if len(p) <= Phrase.MAX_LENGTH)
    if not new:
        return
    with transaction.atomic():
        # Writing first takes SQLite's write lock: no record can be indexed between the
        # check for records and the commit with an older list of phrases.
        Phrase.objects.bulk_create([Phrase(words=p) for p in new], ignore_conflicts=True)
        if not rows("SELECT 1 FROM search_fts LIMIT 1", []):  # nothing indexed lacks them
            Phrase.objects.filter(words__in=new).update(ready=True)
        elif Phrase.objects.filter(ready=False).exists():
            transaction.on_commit(_queue_backfill)


def _queue_backfill() -> None:

    backfill_phrases.enqueue()


_LOADED: list[Any] = [None, [], {}]  # stamp, every phrase, ready phrase -> token


def _load() -> None:
    """Read the registry again when it changed (one small query)."""
    stamp = rows("SELECT COUNT(*), MAX(id), SUM(CASE WHEN ready THEN 1 ELSE 0 END), MAX(words) "
                 "FROM search_phrase", [])[0]
    if stamp != _LOADED[0]:
        found = rows("SELECT words, ready FROM search_phrase ORDER BY id", [])
        _LOADED[:] = [stamp, [words for words, _ in found], {w: token(w) for w, ok in found if ok}]


def registered() -> list[str]:
    """Every registered phrase, ready or not. A writer asks after its first write, under
    SQLite's write lock, so a phrase registered later is sure to find its records through
    ``backfill``."""
    _load()
    return _LOADED[1]  # type: ignore[no-any-return]


def ready() -> dict[str, str]:
    """Phrase → its token, for the phrases every indexed record has been checked for."""
    _load()
    return _LOADED[2]  # type: ignore[no-any-return]


# ------------------------------------------------------------------------- detection

_LOCAL = threading.local()


def _quoted(phrase: str) -> str:
    return '"' + phrase + '"'


def _scratch() -> sqlite3.Connection:
    """This thread's in-memory FTS5 table with the index's tokenizer, empty between uses."""
    db: sqlite3.Connection | None = getattr(_LOCAL, "db", None)
    if db is None:
        db = sqlite3.connect(":memory:")
        db.execute("CREATE VIRTUAL TABLE scratch USING fts5(title, keywords, body, "
                   f"content='', columnsize=0, tokenize='{TOKENIZE}')")
        _LOCAL.db = db
    return db


def found(texts: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """For each (title, keywords, body): the tokens of the registered phrases it contains,
    and of those its title contains, each as a space-separated string."""
    phrases = registered() if connection.vendor == "sqlite" and texts else []
    if not phrases:
        return [("", "")] * len(texts)
    db = _scratch()
    anywhere: list[list[str]] = [[] for _ in texts]
    in_title: list[list[str]] = [[] for _ in texts]
    try:
        db.executemany("INSERT INTO scratch(rowid, title, keywords, body) VALUES (?, ?, ?, ?)",
                       [(i, *text) for i, text in enumerate(texts)])
        for phrase in phrases:
            hits = db.execute("SELECT rowid FROM scratch WHERE scratch MATCH ?", [_quoted(phrase)]).fetchall()
            if not hits:
                continue
            tok = token(phrase)
            for (i,) in hits:
                anywhere[i].append(tok)
            for (i,) in db.execute("SELECT rowid FROM scratch WHERE scratch MATCH ?",
                                   ["title : " + _quoted(phrase)]):
                in_title[i].append(tok)
    finally:
        db.execute("INSERT INTO scratch(scratch) VALUES ('delete-all')")
    return [(" ".join(a), " ".join(t)) for a, t in zip(anywhere, in_title, strict=True)]


# ------------------------------------------------------------------------- backfill


def backfill(progress: Callable[[int, int], None] | None = None) -> int:
    """Give every indexed record the tokens of the phrases it contains that were registered
    after it was indexed; each phrase is then ready. Returns the records changed."""
    if connection.vendor != "sqlite":
        Phrase.objects.filter(ready=False).update(ready=True)
        return 0
    pending = list(Phrase.objects.filter(ready=False).order_by("id").values_list("id", "words"))
    changed = 0
    for done, (pk, phrase) in enumerate(pending, start=1):
        with transaction.atomic():
            # The write lock first: no record is indexed between the search below and the
            # commit without the token.
            Phrase.objects.filter(pk=pk).update(ready=False)
            tok = token(phrase)
            for table, match in (("search_fts", _quoted(phrase)),
                                 ("search_title", "title : " + _quoted(phrase))):
                ids = [r[0] for r in rows(f"SELECT rowid FROM {table} WHERE {table} MATCH %s",
                                          [f"({match}) NOT {_quoted(tok)}"])]
                with connection.cursor() as cur:
                    cur.executemany(f"UPDATE {table} SET tags = tags || ' ' || %s WHERE rowid = %s",
                                    [(tok, i) for i in sorted(ids)])
                changed += len(ids) if table == "search_fts" else 0
            Phrase.objects.filter(pk=pk).update(ready=True)
        if progress:
            progress(done, len(pending))
    return changed


def forget() -> None:
    """Drop the cached synonyms (a vocabulary or the glossary changed)."""
    cache.delete(SYNONYM_CACHE_KEY)


@task()
def backfill_phrases() -> int:
    """In the background: phrase tokens for the records indexed before their phrase was known."""
    return backfill()
