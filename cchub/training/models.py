"""The training catalogue: events, materials, learning paths, and the sources they are
ingested from."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from cchub.lib.models import Harvestable, HttpURLField, Tracked
from cchub.lib.text import render_markdown
from cchub.registry.models import Centre
from cchub.vocab.models import Concept

LEVELS = [("beginner", "Beginner"), ("intermediate", "Intermediate"), ("advanced", "Advanced")]
MODES = [("online", "Online"), ("onsite", "On site"), ("hybrid", "Hybrid")]


class Source(models.Model):
    """Where a centre's training is read from, by one ingestor (TeSS-style)."""

    ICAL, CSV, BIOSCHEMAS = "ical", "csv", "bioschemas"
    KINDS = [
        (ICAL, "iCal feed"),
        (CSV, "CSV or XLSX file"),
        (BIOSCHEMAS, "Page or sitemap with Bioschemas JSON-LD"),
    ]

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="training_sources")
    kind = models.CharField(max_length=12, choices=KINDS)
    url = HttpURLField(max_length=500)
    enabled = models.BooleanField(default=True)
    allow_private = models.BooleanField(
        default=False, help_text="Read it although it is on a private or loopback address (administrators)"
    )
    every_hours = models.PositiveIntegerField(default=24, help_text="How often to read it")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_report = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.centre}: {self.get_kind_display()} {self.url}"

    @property
    def is_due(self) -> bool:
        if not self.enabled:
            return False
        return (
            self.last_run_at is None
            or (timezone.now() - self.last_run_at).total_seconds() >= self.every_hours * 3600
        )


class TrainingItem(Tracked):
    """What events and materials share."""

    slug = models.SlugField(max_length=90, unique=True)
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True, help_text="Markdown")
    url = HttpURLField(max_length=500, blank=True, db_index=True)
    language = models.CharField(max_length=3, default="en")
    level = models.CharField(max_length=12, choices=LEVELS, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    locked_fields = models.JSONField(
        default=list, blank=True, help_text="Fields a curator edited by hand; ingestion leaves them alone"
    )

    class Meta:
        abstract = True

    @property
    def description_html(self) -> str:
        return render_markdown(self.description)


class Event(Harvestable, TrainingItem):
    start = models.DateTimeField()
    end = models.DateTimeField()
    time_zone = models.CharField(max_length=60, default="Europe/Brussels")
    mode = models.CharField(max_length=8, choices=MODES, default="online")
    venue = models.CharField(max_length=250, blank=True)
    city = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2, blank=True)
    organisers = models.ManyToManyField(Centre, blank=True, related_name="events")
    audience = models.CharField(max_length=250, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    cost = models.CharField(max_length=100, blank=True, help_text="e.g. free, 50 EUR")
    registration_url = HttpURLField(max_length=500, blank=True)
    prerequisites = models.TextField(blank=True)
    learning_outcomes = models.JSONField(default=list, blank=True)
    competences = models.ManyToManyField(Concept, blank=True, related_name="events")

    class Meta:
        ordering = ["start", "title"]
        indexes = [models.Index(fields=["start"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:event", args=[self.slug])

    @property
    def is_past(self) -> bool:
        return self.end < timezone.now()

    def as_record(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "description": self.description,
            "url": self.url,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "time_zone": self.time_zone,
            "mode": self.mode,
            "venue": self.venue,
            "city": self.city,
            "country": self.country,
            "language": self.language,
            "level": self.level,
            "audience": self.audience,
            "capacity": self.capacity,
            "cost": self.cost,
            "registration_url": self.registration_url,
            "prerequisites": self.prerequisites,
            "learning_outcomes": list(self.learning_outcomes),
            "keywords": list(self.keywords),
            "organisers": sorted(c.slug for c in self.organisers.all()) if self.pk else [],
            "competences": sorted(c.notation for c in self.competences.all()) if self.pk else [],
        }


class Material(Harvestable, TrainingItem):
    ACTIVE, ARCHIVED = "active", "archived"
    doi = models.CharField(max_length=200, blank=True)
    licence = models.CharField(max_length=60, blank=True, help_text="SPDX identifier")
    authors = models.JSONField(default=list, blank=True)
    format = models.CharField(max_length=60, blank=True, help_text="e.g. tutorial, slides, video, notebook")
    date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=[(ACTIVE, "Active"), (ARCHIVED, "Archived")], default=ACTIVE
    )
    centres = models.ManyToManyField(Centre, blank=True, related_name="materials")
    competences = models.ManyToManyField(Concept, blank=True, related_name="materials")

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(Lower("title"), name="material_title_lower")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:material", args=[self.slug])

    def as_record(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "description": self.description,
            "url": self.url,
            "doi": self.doi,
            "licence": self.licence,
            "authors": list(self.authors),
            "format": self.format,
            "language": self.language,
            "level": self.level,
            "status": self.status,
            "date": self.date.isoformat() if self.date else None,
            "keywords": list(self.keywords),
            "centres": sorted(c.slug for c in self.centres.all()) if self.pk else [],
            "competences": sorted(c.notation for c in self.competences.all()) if self.pk else [],
        }


class LearningPath(Tracked):
    """Ordered topics of events and materials leading to a competence profile."""

    slug = models.SlugField(max_length=90, unique=True)
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    role = models.CharField(max_length=200, help_text="The profile it leads to, e.g. a Skills4EOSC role")
    competences = models.ManyToManyField(Concept, blank=True, related_name="learning_paths")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:path", args=[self.slug])


class PathStep(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    topic = models.CharField(max_length=250)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    material = models.ForeignKey(Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["path", "position"]

    def __str__(self) -> str:
        return f"{self.path}: {self.position}. {self.topic}"
