"""The search index: one row per indexed record, its facet values, and the words it uses.

The full-text part lives beside these tables and depends on the engine: an FTS5 virtual
table ``search_fts`` on SQLite, a generated, weighted ``tsv`` column with a GIN index on
PostgreSQL (see migrations/0002_fulltext.py).
"""

from __future__ import annotations

from django.db import models


class Document(models.Model):
    doc_type = models.CharField(max_length=20)
    object_id = models.CharField(max_length=64)
    title = models.TextField()
    keywords = models.TextField(blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300)
    date = models.DateTimeField(null=True, blank=True)
    facets = models.JSONField(default=dict)
    indexed_at = models.DateTimeField(auto_now=True)
    # sha256 of the text that semantic search embeds; its vector is stored once per text.
    # No index: every lookup goes from documents to Vector (unique on it), and an index of
    # random hashes cost bulk indexing a tenth of its time at a million records.
    text_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "object_id"], name="search_doc_unique")
        ]
        indexes = [models.Index(fields=["doc_type", "date"])]

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.object_id} {self.title}"


class FacetValue(models.Model):
    """One facet value of one document. The key (document, name, value) is the table itself
    on SQLite (WITHOUT ROWID, migration 0008) and the primary key on PostgreSQL: it serves
    every lookup by document, and (name, value, document) every lookup by value. A row id
    and a third index over millions of rows cost bulk indexing a third of this table's time."""

    pk = models.CompositePrimaryKey("document_id", "name", "value")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="facet_values",
                                 db_index=False)
    name = models.CharField(max_length=30)
    value = models.CharField(max_length=120)

    class Meta:
        indexes = [models.Index(fields=["name", "value", "document"])]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Vector(models.Model):
    """A sentence embedding of one text (the `semantic` extra), shared by every document
    with that text and kept across rebuilds, so unchanged text is never embedded twice."""

    text_hash = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=80)
    vector = models.BinaryField()  # float32 little-endian, unit length
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.text_hash[:12]} ({self.model})"


class Term(models.Model):
    """Words of titles and keywords, for "did you mean" suggestions."""

    term = models.CharField(max_length=60, unique=True)

    def __str__(self) -> str:
        return self.term


class ZeroResultQuery(models.Model):
    """A search that found nothing: evidence of demand for the gap analysis."""

    query = models.CharField(max_length=500)
    doc_types = models.JSONField(default=list)
    filters = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.query


class Phrase(models.Model):
    """A multi-word synonym that SQLite indexes also store as one token (search.synonyms);
    ``ready`` once every indexed record has been checked for it."""

    MAX_LENGTH = 200

    words = models.CharField(max_length=MAX_LENGTH, unique=True)
    ready = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.words
