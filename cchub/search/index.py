"""The one search interface every app registers its record types with.

An app describes a type with ``SearchType`` — how to turn a record into a document (title,
keywords, body, facets, date, URL), which records to index, and which other models'
changes affect them — in its ``search.py``; ``cchub.wiring`` registers it. The index is then
kept in step through ``records.derived`` (inside the writer's transaction) and rebuilt by
``rebuild``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from cchub.records.derived import Derived
from cchub.search import semantic
from cchub.search.models import Document, FacetValue, Term
from cchub.search.sql import WORD, rows


@dataclass
class DocumentData:
    title: str
    url: str
    keywords: list[str] = field(default_factory=list)
    body: str = ""
    date: dt.datetime | None = None
    facets: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SearchType:
    name: str  # "centre"
    label: str  # "Centres"
    model: type[models.Model]
    build: Callable[[Any], DocumentData | None]  # None: not public, keep it out of the index
    queryset: Callable[[], Any]
    facets: tuple[str, ...] = ()
    # Other models whose changes change these documents: model -> the affected records.
    related: dict[type[models.Model], Callable[[Any], Iterable[Any]]] = field(default_factory=dict)


FACET_LABELS: dict[str, str] = {"type": "Type"}
# facet name -> function giving display labels for a list of stored values
VALUE_LABELS: dict[str, Callable[[list[str]], dict[str, str]]] = {}


def register(search_type: SearchType, facet_labels: dict[str, str] | None = None,
             value_labels: dict[str, Callable[[list[str]], dict[str, str]]] | None = None) -> None:
    DOCUMENTS.register(search_type)
    FACET_LABELS.update(facet_labels or {})
    VALUE_LABELS.update(value_labels or {})


def value_labels(name: str, values: list[str]) -> dict[str, str]:
    if name == "type":
        return {v: TYPES[v].label if v in TYPES else v for v in values}
    resolve = VALUE_LABELS.get(name)
    return resolve(values) if resolve else {v: v for v in values}


def index_object(t: SearchType, obj: Any) -> None:
    data = t.build(obj)
    if data is None:
        remove(t.name, obj.pk)
    else:
        write(t.name, obj.pk, data)


def _text(data: DocumentData) -> tuple[str, str, str]:
    return data.title, " ; ".join(k for k in data.keywords if k), data.body


def _hash(title: str, keywords: str, body: str) -> str:
    return semantic.text_hash(semantic.text_for(title, keywords, body))


def write(doc_type: str, object_id: Any, data: DocumentData) -> Document:
    title, keywords, body = _text(data)
    with transaction.atomic():
        doc, created = Document.objects.update_or_create(
            doc_type=doc_type, object_id=str(object_id),
            defaults={"title": title, "keywords": keywords, "body": body, "url": data.url,
                      "date": data.date, "facets": data.facets,
                      "text_hash": _hash(title, keywords, body)},
        )
        FacetValue.objects.filter(document=doc).delete()
        facets = _facet_rows(doc.pk, {"type": [doc_type], **data.facets})
        _insert_facets(facets)
        _fts_replace([(doc.pk, title, keywords, body, tags(facets))], new=created)
        _add_terms(f"{title} {keywords}")
        semantic.schedule()
    return doc


@functools.lru_cache(maxsize=65536)
def tag(name: str, value: str) -> str:
    """The FTS5 token that stands for one facet value (SQLite): facet filters become part of
    the engine's own match, so a filtered search walks one intersection, not a join."""
    digest = hashlib.blake2b(f"{name}\x1f{value}".encode(), digest_size=8).digest()
    return f"f{int.from_bytes(digest, 'big')}"


def tags(facet_rows: list[tuple[int, str, str]]) -> str:
    """The FTS5 tags of one document's facet rows."""
    return " ".join(tag(name, value) for _, name, value in facet_rows)


def _facet_rows(doc_id: int, facets: dict[str, list[str]]) -> list[tuple[int, str, str]]:
    """One row per distinct (name, value) as stored: cut to the columns' lengths, then unique
    (they are the table's key)."""
    unique: dict[tuple[int, str, str], None] = {}
    for name, values in facets.items():
        name = name[:30]
        for value in values:
            if value:
                unique[(doc_id, name, str(value)[:120])] = None
    return list(unique)


def _insert_facets(rows: list[tuple[int, str, str]]) -> None:
    # Plain executemany: building a model instance per facet value costs more than the insert.
    if rows:
        with connection.cursor() as cur:
            table = FacetValue._meta.db_table
            cur.executemany(f"INSERT INTO {table} (document_id, name, value) VALUES (%s, %s, %s)", rows)


def remove(doc_type: str, object_id: Any) -> None:
    ids = list(Document.objects.filter(doc_type=doc_type, object_id=str(object_id))
               .values_list("pk", flat=True))
    if ids:
        _fts_delete(ids)
        Document.objects.filter(pk__in=ids).delete()


def _drop(t: SearchType, pk: Any) -> None:
    remove(t.name, pk)


# The index as a derived view of the records (kept in step as ``cchub.wiring`` connects it).
DOCUMENTS: Derived[SearchType] = Derived("search", update=index_object, drop=_drop)
TYPES = DOCUMENTS.plugins
refresh_for = DOCUMENTS.refresh_for
watched_models = DOCUMENTS.watched_models


# SQLite: every text, and titles alone (bounded search). Their rowids are minus the document
# ids: FTS5 walks doclists upwards fastest, and bounded search wants the newest first.
FTS_TABLES = ("search_fts", "search_title")


def _fts_replace(rows: list[tuple[int, str, str, str, str]], new: bool = False) -> None:
    """``new``: the ids were just assigned, so there is nothing to delete first."""
    if connection.vendor != "sqlite" or not rows:
        return  # PostgreSQL: the tsv column is generated from the row itself
    from cchub.search import synonyms

    if not new:
        _fts_delete([r[0] for r in rows])
    # In ascending keys: FTS5 flushes its pending terms whenever a key is lower than the last
    # one written (newest first, a bulk load indexed 3x slower).
    rows = sorted(rows, key=lambda r: -r[0])
    synonyms.synonyms()  # the vocabularies' phrases registered
    found = synonyms.found([(title, keywords, body) for _, title, keywords, body, _ in rows])
    texts = [(-pk, title, keywords, body, f"{tags} {anywhere}")
             for (pk, title, keywords, body, tags), (anywhere, _) in zip(rows, found, strict=True)]
    titles = [(-pk, title, f"{tags} {in_title}")
              for (pk, title, _, _, tags), (_, in_title) in zip(rows, found, strict=True)]
    with connection.cursor() as cur:
        cur.executemany("INSERT INTO search_fts(rowid, title, keywords, body, tags) "
                        "VALUES (%s, %s, %s, %s, %s)", texts)
        cur.executemany("INSERT INTO search_title(rowid, title, tags) VALUES (%s, %s, %s)", titles)


def _fts_delete(ids: list[int]) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            for table in FTS_TABLES:
                cur.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(-i,) for i in ids])


def _add_terms(text: str) -> None:
    words = {w for w in WORD.findall(text.lower()) if 3 <= len(w) <= 40 and not w.isdigit()}
    if words:
        with connection.cursor() as cur:
            sql = f"INSERT INTO {Term._meta.db_table} (term) VALUES (%s) ON CONFLICT (term) DO NOTHING"
            cur.executemany(sql, [(w,) for w in sorted(words)])


BULK_CACHE_KIB = 65536
BULK_CHECKPOINT_PAGES = 20000


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Settings for writing many documents, restored afterwards.

    * Python's collector leaves the objects that exist at the start alone (``gc.freeze``):
      otherwise its full passes walk every one of them again and again while the batches
      allocate (a tenth of the time at a million records).
    * SQLite: a 64 MB page cache, and the write-ahead log copied back to the database every
      20,000 pages instead of every 1,000, so that the index pages rewritten batch after
      batch are copied back once (about 10 % faster at 200,000 records)."""
    gc.freeze()
    try:
        with _sqlite_bulk():
            yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _sqlite_bulk() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        saved = [rows(f"PRAGMA {name}", [])[0][0] for name in ("cache_size", "wal_autocheckpoint")]
        cur.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        cur.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(saved[0])}")
            cur.execute(f"PRAGMA wal_autocheckpoint = {int(saved[1])}")


def rebuild(names: list[str] | None = None, progress: Callable[[str, int, int], None] | None = None,
            batch: int = 500) -> dict[str, int]:
    """Rebuild the index of the given types (all by default); returns documents per type."""
    with bulk():
        return {name: _rebuild_type(TYPES[name], progress, batch) for name in names or list(TYPES)}


def _rebuild_type(t: SearchType, progress: Callable[[str, int, int], None] | None, batch: int) -> int:
    """Drop one type's documents and index its records again, in one transaction."""
    name = t.name
    with transaction.atomic():
        old = list(Document.objects.filter(doc_type=name).values_list("pk", flat=True))
        for start in range(0, len(old), 5000):
            _fts_delete(old[start:start + 5000])
        Document.objects.filter(doc_type=name).delete()
        qs = t.queryset()
        total = qs.count()
        written = 0
        pending: list[tuple[Any, DocumentData]] = []
        for done, obj in enumerate(qs.iterator(chunk_size=batch), start=1):
            data = t.build(obj)
            if data is not None:
                pending.append((obj.pk, data))
            if len(pending) >= batch:
                written += _bulk_write(name, pending)
                pending = []
            if progress and (done % batch == 0 or done == total):
                progress(name, done, total)
        written += _bulk_write(name, pending)
        if progress and total == 0:
            progress(name, 0, 0)
    return written


DOCUMENT_COLUMNS = "doc_type, object_id, title, keywords, body, url, date, facets, indexed_at, text_hash"


def _insert_documents(values: list[tuple[Any, ...]]) -> dict[str, int]:
    """Insert document rows (``DOCUMENT_COLUMNS``, all of one type); returns object id → id.
    500 rows a statement with their ids returned by the insert where the engine can
    (SQLite 3.35+, PostgreSQL), otherwise read back by object id."""
    row = "(" + ", ".join(["%s"] * len(DOCUMENT_COLUMNS.split(", "))) + ")"
    insert = f"INSERT INTO {Document._meta.db_table} ({DOCUMENT_COLUMNS}) VALUES "
    ids: dict[str, int] = {}
    with connection.cursor() as cur:
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            if connection.features.can_return_rows_from_bulk_insert:
                cur.execute(insert + ", ".join([row] * len(chunk)) + " RETURNING object_id, id",
                            [v for r in chunk for v in r])
                ids.update(cur.fetchall())
            else:
                cur.executemany(insert + row, chunk)
                ids.update(Document.objects.filter(doc_type=chunk[0][0], object_id__in=[r[1] for r in chunk])
                           .values_list("object_id", "pk"))
    return ids


def _bulk_write(doc_type: str, items: list[tuple[Any, DocumentData]]) -> int:
    """Insert new documents of one type (none of them indexed yet) with plain SQL: building
    model instances cost more than the inserts."""
    if not items:
        return 0
    now = timezone.now()
    date_field = Document._meta.get_field("date")
    texts = [_text(data) for _, data in items]
    object_ids = [str(object_id) for object_id, _ in items]
    values = [(doc_type, object_id, *text, data.url,
               None if data.date is None else date_field.get_db_prep_value(data.date, connection),
               json.dumps(data.facets), now, _hash(*text))
              for object_id, text, (_, data) in zip(object_ids, texts, items, strict=True)]
    ids = _insert_documents(values)
    pks = [ids[object_id] for object_id in object_ids]
    facets = [_facet_rows(pk, {"type": [doc_type], **data.facets})
              for pk, (_, data) in zip(pks, items, strict=True)]
    _insert_facets([row for doc_rows in facets for row in doc_rows])
    _fts_replace([(pk, *text, tags(doc_rows)) for pk, text, doc_rows in zip(pks, texts, facets, strict=True)],
                 new=True)
    _add_terms(" ".join(f"{title} {keywords}" for title, keywords, _ in texts))
    return len(items)
