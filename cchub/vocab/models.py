"""SKOS-shaped concept schemes: the competence taxonomy and the other vocabularies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from cchub.lib.models import Harvestable, HttpURLField, Tracked


class ConceptScheme(Tracked):
    """A skos:ConceptScheme. ``sources`` cites the frameworks its concepts come from."""

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # [{"key": "fair4s", "title": "...", "url": "...", "licence": "..."}]
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("vocab:scheme", args=[self.slug])

    def source_index(self) -> dict[str, dict[str, str]]:
        return {s["key"]: s for s in self.sources}


class Concept(Tracked):
    """A skos:Concept with one preferred label, alternative labels and a broader concept."""

    scheme = models.ForeignKey(ConceptScheme, on_delete=models.CASCADE, related_name="concepts")
    notation = models.SlugField(max_length=80, help_text="Stable identifier inside the scheme")
    pref_label = models.CharField(max_length=200)
    alt_labels = models.JSONField(default=list, blank=True)
    hidden_labels = models.JSONField(default=list, blank=True)
    definition = models.TextField(blank=True)
    broader = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="narrower"
    )
    source = models.CharField(max_length=40, blank=True, help_text="Key of a scheme source")
    source_iri = HttpURLField(max_length=400, blank=True)
    source_note = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "position", "pref_label"]
        constraints = [models.UniqueConstraint(fields=["scheme", "notation"], name="concept_notation_unique")]
        indexes = [models.Index(fields=["scheme", "broader"])]

    def __str__(self) -> str:
        return self.pref_label

    def get_absolute_url(self) -> str:
        return reverse("vocab:concept", args=[self.scheme.slug, self.notation])

    def clean(self) -> None:
        labels = [self.pref_label.strip().lower()]
        alts = [a.strip().lower() for a in self.alt_labels]
        hidden = [h.strip().lower() for h in self.hidden_labels]
        if set(labels) & set(alts) or set(labels) & set(hidden) or set(alts) & set(hidden):
            raise ValidationError(
                {"alt_labels": "Preferred, alternative and hidden labels must be disjoint (SKOS)."}
            )
        node = self.broader
        seen = {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"broader": "A concept cannot be broader than itself."})
            if node.scheme_id != self.scheme_id:
                raise ValidationError({"broader": "The broader concept is in another scheme."})
            seen.add(node.pk)
            node = node.broader

    def as_record(self) -> dict[str, object]:
        return {
            "scheme": self.scheme.slug,
            "notation": self.notation,
            "pref_label": self.pref_label,
            "alt_labels": list(self.alt_labels),
            "hidden_labels": list(self.hidden_labels),
            "definition": self.definition,
            "broader": self.broader.notation if self.broader else None,
            "source": self.source,
            "source_iri": self.source_iri,
            "source_note": self.source_note,
            "position": self.position,
        }

    def ancestors(self) -> list[Concept]:
        chain: list[Concept] = []
        node = self.broader
        while node is not None and len(chain) < 20:
            chain.append(node)
            node = node.broader
        return list(reversed(chain))

    def top(self) -> Concept:
        chain = self.ancestors()
        return chain[0] if chain else self

    def citation(self) -> dict[str, str] | None:
        return self.scheme.source_index().get(self.source)


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

    def __str__(self) -> str:
        return f"{self.term}: {self.body[:40]}"
