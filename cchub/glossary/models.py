"""The EOSC glossary: terms with the Glossary Task Force's workflow, the clusters' own
definitions, and the comments of the review. (The tables keep their first names,
``vocab_term…``: the glossary began inside the vocab app.)"""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from cchub.lib.models import Harvestable, HttpURLField, Tracked
from cchub.vocab.models import Concept


class Term(Harvestable, Tracked):
    """A term of the EOSC glossary, with the Glossary Task Force's workflow:
    proposed → in review → approved → deprecated (with a replacement)."""

    PROPOSED, IN_REVIEW, APPROVED, DEPRECATED = "proposed", "in-review", "approved", "deprecated"
    STATUSES = [
        (PROPOSED, "Proposed"),
        (IN_REVIEW, "In review"),
        (APPROVED, "Approved"),
        (DEPRECATED, "Deprecated"),
    ]

    slug = models.SlugField(max_length=80, unique=True, help_text="Part of the term's stable URI")
    uri = models.URLField(
        max_length=400, blank=True, help_text="Set when the term came from another vocabulary"
    )
    pref_label = models.CharField(max_length=200)
    alt_labels = models.JSONField(default=list, blank=True)
    acronyms = models.JSONField(default=list, blank=True)
    definition = models.TextField()
    source = models.CharField(max_length=500, blank=True, help_text="A citation")
    source_url = HttpURLField(max_length=400, blank=True)
    examples = models.JSONField(default=list, blank=True)
    broader = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="narrower")
    related = models.ManyToManyField("self", symmetrical=True, blank=True)
    clusters = models.ManyToManyField("registry.Cluster", blank=True, related_name="terms")
    domains = models.ManyToManyField(Concept, blank=True, related_name="terms")
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"fr": {"pref_label": "...", "alt_labels": [...], "definition": "..."}}',
    )
    status = models.CharField(max_length=12, choices=STATUSES, default=PROPOSED)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    reviewers = models.ManyToManyField("auth.User", blank=True, related_name="terms_to_review")
    proposed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="proposed_terms"
    )
    decision = models.TextField(blank=True, help_text="The Task Force's recorded decision")
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="decided_terms"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pref_label"]
        db_table = "vocab_term"  # the glossary began inside the vocab app

    def __str__(self) -> str:
        return self.pref_label

    def get_absolute_url(self) -> str:
        return reverse("glossary:term", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.status in (self.APPROVED, self.DEPRECATED)

    @property
    def letter(self) -> str:
        first = self.pref_label[:1].upper()
        return first if first.isalpha() else "#"

    def labels(self) -> list[str]:
        return [self.pref_label, *self.alt_labels, *self.acronyms]

    @classmethod
    def history_hidden_pks(cls) -> list[int]:
        """Proposals, drafts and rejected terms are the Task Force's until approved."""
        return list(cls.objects.exclude(status__in=(cls.APPROVED, cls.DEPRECATED))
                    .values_list("pk", flat=True))

    def as_record(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "uri": self.uri,
            "pref_label": self.pref_label,
            "alt_labels": list(self.alt_labels),
            "acronyms": list(self.acronyms),
            "definition": self.definition,
            "source": self.source,
            "source_url": self.source_url,
            "examples": list(self.examples),
            "status": self.status,
            "translations": self.translations,
            "decision": self.decision,
            "broader": sorted(t.slug for t in self.broader.all()) if self.pk else [],
            "related": sorted(t.slug for t in self.related.all()) if self.pk else [],
            "clusters": sorted(c.slug for c in self.clusters.all()) if self.pk else [],
            "replaced_by": self.replaced_by.slug if self.replaced_by else None,
        }


class TermDefinition(models.Model):
    """A cluster's own definition of a term, kept and shown beside the others until the
    Task Force reconciles them."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="variants")
    cluster = models.ForeignKey("registry.Cluster", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    source = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "cluster"], name="term_definition_unique")]
        db_table = "vocab_termdefinition"

    def __str__(self) -> str:
        return f"{self.term} ({self.cluster})"


class TermComment(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    action = models.CharField(max_length=20, blank=True, help_text="The workflow step it came with")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        db_table = "vocab_termcomment"

    def __str__(self) -> str:
        return f"{self.term}: {self.body[:40]}"
