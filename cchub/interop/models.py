"""Federation: what this hub publishes over OAI-PMH (``Item``, with tombstones), and what it
harvests from other hubs (``Source``, ``Harvest`` runs, ``HarvestedRecord`` with its
provenance and conflicts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cchub.lib.models import HttpURLField


class Item(models.Model):
    """One public record as the OAI-PMH provider serves it: its stable identifier, its
    datestamp (moved on every change of what is published), its sets, its metadata in
    every format, and — once deleted or withdrawn — a tombstone (``deleted``), kept for
    good (``deletedRecord: persistent``)."""

    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    identifier = models.CharField(max_length=300, unique=True)
    datestamp = models.DateTimeField(db_index=True)
    deleted = models.BooleanField(default=False)
    record = models.JSONField(default=dict, blank=True, help_text="The full record (cchub format)")
    dc = models.JSONField(default=dict, blank=True, help_text="The Dublin Core view (oai_dc)")
    about = models.JSONField(default=dict, blank=True, help_text="Provenance of a re-exported record")
    checksum = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["datestamp", "id"], name="item_list_order"),
            models.Index(fields=["kind", "object_id"], name="item_object"),
        ]

    def __str__(self) -> str:
        return self.identifier


class ItemSet(models.Model):
    """An item's membership of a set (and of every set above it: ``cluster`` for
    ``cluster:escape``), so that a selective harvest is one indexed join."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="set_rows")
    spec = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["spec", "item"], name="item_set_unique")]

    def __str__(self) -> str:
        return f"{self.spec}: {self.item_id}"


class Source(models.Model):
    """Another hub, an OAI-PMH endpoint (a TeSS instance's, say) or a JSON-LD/sitemap site
    this hub harvests from."""

    CCHUB, OAI, JSONLD = "cchub", "oai-pmh", "jsonld"
    KINDS = [
        (CCHUB, "Another CC Hub (OAI-PMH, full records)"),
        (OAI, "Any OAI-PMH endpoint (Dublin Core records become training materials)"),
        (JSONLD, "A page or sitemap with schema.org / Bioschemas JSON-LD"),
    ]

    slug = models.SlugField(max_length=40, unique=True, help_text="Short name, e.g. escape-hub")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=KINDS, default=CCHUB)
    url = HttpURLField(
        max_length=500,
        help_text="OAI-PMH base URL (e.g. https://hub.example.org/oai) or the page/sitemap address",
    )
    set_spec = models.CharField(max_length=100, blank=True, help_text="Harvest only this OAI-PMH set")
    metadata_prefix = models.CharField(
        max_length=40, blank=True, help_text="Default: cchub for a CC Hub, oai_dc for other endpoints"
    )
    enabled = models.BooleanField(default=True)
    every_hours = models.PositiveIntegerField(default=24, help_text="How often to harvest")
    allow_private = models.BooleanField(
        default=False,
        help_text="Allow loopback and private network addresses for this source (off: refused)",
    )
    reexport = models.BooleanField(
        default=False,
        help_text="Publish this source's records again in our own OAI-PMH, DCAT and exports "
        "(with their provenance)",
    )
    timeout = models.PositiveIntegerField(default=30, help_text="Seconds per request")
    max_mb = models.PositiveIntegerField(default=20, help_text="Largest response accepted (MB)")
    retries = models.PositiveIntegerField(default=3, help_text="Attempts per request, with back-off")
    harvested_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The source's time of the last complete harvest: the next one starts there",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("interop:source", args=[self.slug])

    @property
    def prefix(self) -> str:
        return self.metadata_prefix or ("cchub" if self.kind == self.CCHUB else "oai_dc")

    @property
    def last_run(self) -> Harvest | None:
        return self.harvests.order_by("-started_at", "-pk").first()

    def is_due(self, now: dt.datetime | None = None) -> bool:
        if not self.enabled:
            return False
        last = self.last_run
        if last is None:
            return True
        if last.state in (Harvest.QUEUED, Harvest.RUNNING):
            return False
        return ((now or timezone.now()) - last.started_at).total_seconds() >= self.every_hours * 3600


class Harvest(models.Model):
    """One harvest of a source. A failed run keeps its last resumption token, and the next
    run resumes there instead of starting over."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [(QUEUED, "Queued"), (RUNNING, "Running"), (DONE, "Done"), (FAILED, "Failed")]

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="harvests")
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    full = models.BooleanField(default=False, help_text="Ignore the last datestamp: harvest everything")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    since = models.DateTimeField(null=True, blank=True, help_text="from= of this harvest")
    response_date = models.DateTimeField(
        null=True, blank=True, help_text="The source's time at the first page"
    )
    token = models.TextField(blank=True, help_text="Where to resume")
    pages = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Who runs it and when it last made progress (cchub.lib.jobs): a run whose worker died
    # is marked failed instead of blocking "Harvest now" for ever.
    runner = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} ({self.state})"

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


class HarvestedRecord(models.Model):
    """A record read from a source, with its provenance. ``LINKED``: it is the local record
    ``content_object`` (read-only here); ``CONFLICT``: a local record looks the same and a
    curator decides; ``MERGED``: the curator said it is that local record, which stays
    ours; ``REJECTED``: the record could not be used (``problem`` says why)."""

    LINKED, CONFLICT, MERGED, REJECTED, DELETED = "linked", "conflict", "merged", "rejected", "deleted"
    STATES = [
        (LINKED, "Harvested"),
        (CONFLICT, "Conflict: waiting for a curator"),
        (MERGED, "Merged with a local record"),
        (REJECTED, "Rejected"),
        (DELETED, "Deleted at the source"),
    ]

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="records")
    identifier = models.CharField(max_length=500, help_text="The record's identifier at the source")
    kind = models.CharField(max_length=20)
    datestamp = models.DateTimeField(null=True, blank=True, help_text="The source's datestamp")
    metadata = models.JSONField(default=dict, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=STATES, default=LINKED)
    problem = models.TextField(blank=True)
    unresolved = models.BooleanField(default=False, help_text="Names records not harvested yet")
    harvested_at = models.DateTimeField(default=timezone.now)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    keep_apart = models.BooleanField(
        default=False, help_text="A curator said: not the local record it resembles"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["source", "identifier"]
        constraints = [models.UniqueConstraint(fields=["source", "identifier"], name="harvested_unique")]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="harvested_local"),
            models.Index(fields=["state"], name="harvested_state"),
        ]

    def __str__(self) -> str:
        return f"{self.source.slug}: {self.identifier}"

    @property
    def title(self) -> str:
        data: dict[str, Any] = self.metadata or {}
        return str(data.get("name") or data.get("title") or data.get("pref_label") or self.identifier)

    @property
    def local(self) -> models.Model | None:
        if self.content_type is None or self.object_id is None:
            return None
        model = self.content_type.model_class()
        return model._default_manager.filter(pk=self.object_id).first() if model else None
