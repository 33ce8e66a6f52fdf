"""SKOS-shaped concept schemes: the competence taxonomy and the other vocabularies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from cchub.lib.models import HttpURLField, Tracked


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
