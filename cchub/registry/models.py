"""The registry of Competence Centres: clusters, organisations, centres, contacts,
competence offers, services and releases."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from cchub.lib.models import Harvestable, HttpURLField, Tracked
from cchub.lib.text import render_markdown
from cchub.lib.validators import (
    normalise_orcid,
    normalise_ror,
    validate_country,
    validate_language,
    validate_orcid,
    validate_ror,
)
from cchub.vocab.models import Concept

COMPETENCES = "competences"
SERVICE_CATEGORIES = "service-categories"
DOMAINS = "scientific-domains"
TRL = "trl"
ACCESS_TYPES = "access-types"
TARGET_USERS = "target-users"


def _valid(check: Any, value: str) -> bool:
    try:
        check(value)
    except ValidationError:
        return False
    return True


def _notations(qs: Any) -> list[str]:
    return sorted(c.notation for c in qs.all())


class Cluster(Tracked):
    """An EOSC Science Cluster (ENVRI, ESCAPE, LS RI, PaNOSC, SSHOC, ...)."""

    slug = models.SlugField(max_length=40, unique=True)
    acronym = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True, help_text="Scientific field served")
    description = models.TextField(blank=True)
    website = HttpURLField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "acronym"]

    def __str__(self) -> str:
        return self.acronym

    def get_absolute_url(self) -> str:
        return reverse("registry:cluster", args=[self.slug])

    def as_record(self) -> dict[str, Any]:
        return {
            "slug": self.slug, "acronym": self.acronym, "name": self.name,
            "domain": self.domain, "description": self.description,
            "website": self.website, "position": self.position,
        }


class Organisation(Tracked):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=250)
    acronym = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True)
    ror_id = models.CharField(max_length=9, blank=True, verbose_name="ROR id")
    website = HttpURLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.acronym or self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:organisation", args=[self.slug])

    def clean(self) -> None:
        self.ror_id = normalise_ror(self.ror_id)
        errors: dict[str, list[str]] = {}
        for field, check in (("ror_id", validate_ror), ("country", validate_country)):
            value = getattr(self, field)
            if value:
                try:
                    check(value)
                except ValidationError as exc:
                    errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)

    @property
    def ror_url(self) -> str:
        return f"https://ror.org/{self.ror_id}" if self.ror_id else ""

    def as_record(self) -> dict[str, Any]:
        return {
            "slug": self.slug, "name": self.name, "acronym": self.acronym,
            "country": self.country, "ror_id": self.ror_id, "website": self.website,
        }


class CentreQuerySet(models.QuerySet["Centre"]):
    def public(self) -> CentreQuerySet:
        return self.filter(review_state=Centre.APPROVED)


class Centre(Harvestable, Tracked):
    KINDS = [
        ("cluster", "Science cluster centre"),
        ("national", "National centre"),
        ("thematic", "Thematic centre"),
        ("institutional", "Institutional centre"),
        ("ri-wg", "Research-infrastructure working group"),
    ]
    STATUSES = [
        ("candidate", "Candidate"),
        ("member", "Member"),
        ("observer", "Observer"),
        ("former", "Former member"),
    ]
    PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
    REVIEW_STATES = [(PENDING, "Pending approval"), (APPROVED, "Approved"), (REJECTED, "Rejected")]

    slug = models.SlugField(max_length=60, unique=True)
    acronym = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=250)
    kind = models.CharField(max_length=20, choices=KINDS)
    clusters = models.ManyToManyField(Cluster, blank=True, related_name="centres")
    countries = models.JSONField(default=list, blank=True, help_text="ISO 3166 codes served")
    hosts = models.ManyToManyField(Organisation, blank=True, related_name="hosted_centres")
    website = HttpURLField(blank=True)
    helpdesk_email = models.EmailField(blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes")
    description = models.TextField(blank=True, help_text="Markdown")
    status = models.CharField(max_length=20, choices=STATUSES, default="candidate")
    mou_date = models.DateField(null=True, blank=True, verbose_name="MoU date")
    logo = models.FileField(upload_to="logos/", blank=True)
    curators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="curated_centres"
    )
    review_state = models.CharField(max_length=10, choices=REVIEW_STATES, default=APPROVED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="proposed_centres",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="decided_centres",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = CentreQuerySet.as_manager()

    class Meta:
        ordering = ["acronym"]
        indexes = [models.Index(fields=["review_state", "kind", "status"])]

    def __str__(self) -> str:
        return self.acronym

    def get_absolute_url(self) -> str:
        return reverse("registry:centre", args=[self.slug])

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not isinstance(self.countries, list) or not all(isinstance(c, str) for c in self.countries):
            errors["countries"] = ["Give a list of ISO 3166 country codes."]
        else:
            self.countries = sorted({c.strip().upper() for c in self.countries if c.strip()})
            bad = [c for c in self.countries if not _valid(validate_country, c)]
            if bad:
                errors["countries"] = [f"Unknown country code(s): {', '.join(bad)}."]
        if not isinstance(self.languages, list) or not all(isinstance(c, str) for c in self.languages):
            errors["languages"] = ["Give a list of ISO 639-1 language codes."]
        else:
            self.languages = list(dict.fromkeys(c.strip().lower() for c in self.languages if c.strip()))
            bad = [c for c in self.languages if not _valid(validate_language, c)]
            if bad:
                errors["languages"] = [f"Unknown language code(s): {', '.join(bad)}."]
        if errors:
            raise ValidationError(errors)

    @property
    def history_centre_id(self) -> int:
        return self.pk

    @property
    def description_html(self) -> str:
        return render_markdown(self.description)

    @property
    def is_public(self) -> bool:
        return self.review_state == self.APPROVED

    # The decider's note is theirs and the proposer's; proposals' history stays private.
    HISTORY_PRIVATE_FIELDS = ("decision_note",)
    HISTORY_HIDES_CENTRE = True

    @classmethod
    def history_hidden_pks(cls) -> list[int]:
        return list(cls.objects.exclude(review_state=cls.APPROVED).values_list("pk", flat=True))

    def as_record(self) -> dict[str, Any]:
        return {
            "slug": self.slug, "acronym": self.acronym, "name": self.name, "kind": self.kind,
            "clusters": sorted(c.slug for c in self.clusters.all()),
            "countries": list(self.countries), "hosts": sorted(o.slug for o in self.hosts.all()),
            "website": self.website, "helpdesk_email": self.helpdesk_email,
            "languages": list(self.languages), "description": self.description,
            "status": self.status,
            "mou_date": self.mou_date.isoformat() if self.mou_date else None,
            "logo": self.logo.name or "", "review_state": self.review_state,
            "decision_note": self.decision_note,
        }


class ContactPoint(Tracked):
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    orcid = models.CharField(max_length=19, blank=True, verbose_name="ORCID iD")
    email = models.EmailField(blank=True)
    email_public = models.BooleanField(
        default=False, help_text="The person allowed the address to be shown publicly"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["centre", "position", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.centre})"

    @property
    def history_centre_id(self) -> int:
        return self.centre_id

    def clean(self) -> None:
        self.orcid = normalise_orcid(self.orcid)
        if self.orcid:
            try:
                validate_orcid(self.orcid)
            except ValidationError as exc:
                raise ValidationError({"orcid": exc.messages}) from exc

    @property
    def public_email(self) -> str:
        return self.email if self.email_public else ""

    # Addresses appear in history only to those who may see everything.
    HISTORY_PRIVATE_FIELDS = ("email",)

    def as_record(self) -> dict[str, Any]:
        return {
            "centre": self.centre.slug, "name": self.name, "role": self.role,
            "orcid": self.orcid, "email": self.email, "email_public": self.email_public,
            "position": self.position,
        }


class Service(Harvestable, Tracked):
    """A service offered by one or more centres (EOSC Resource Catalogue Service profile)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=250)
    tagline = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, help_text="Markdown")
    url = HttpURLField(blank=True)
    centres = models.ManyToManyField(Centre, related_name="services", blank=True)
    categories = models.ManyToManyField(
        Concept, blank=True, related_name="services_in_category",
        limit_choices_to={"scheme__slug": SERVICE_CATEGORIES},
    )
    domains = models.ManyToManyField(
        Concept, blank=True, related_name="services_in_domain",
        limit_choices_to={"scheme__slug": DOMAINS},
    )
    access_types = models.ManyToManyField(
        Concept, blank=True, related_name="services_with_access",
        limit_choices_to={"scheme__slug": ACCESS_TYPES},
    )
    target_users = models.ManyToManyField(
        Concept, blank=True, related_name="services_for_users",
        limit_choices_to={"scheme__slug": TARGET_USERS},
    )
    trl = models.ForeignKey(
        Concept, null=True, blank=True, on_delete=models.PROTECT, related_name="services_at_trl",
        limit_choices_to={"scheme__slug": TRL}, verbose_name="TRL",
    )
    standards = models.JSONField(default=list, blank=True, help_text="Standards and interfaces")
    helpdesk_email = models.EmailField(blank=True)
    helpdesk_url = HttpURLField(blank=True)
    terms_url = HttpURLField(blank=True, verbose_name="Terms of use")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:service", args=[self.slug])

    def clean(self) -> None:
        if not isinstance(self.standards, list) or not all(isinstance(x, str) for x in self.standards):
            raise ValidationError({"standards": "Give a list of standard or interface names."})
        self.standards = [x.strip() for x in self.standards if x.strip()]

    @property
    def history_centre_id(self) -> int | None:
        first = self.centres.order_by("pk").first() if self.pk else None
        return first.pk if first else None

    @property
    def description_html(self) -> str:
        return render_markdown(self.description)

    def as_record(self) -> dict[str, Any]:
        return {
            "slug": self.slug, "name": self.name, "tagline": self.tagline,
            "description": self.description, "url": self.url,
            "centres": sorted(c.slug for c in self.centres.all()),
            "categories": _notations(self.categories), "domains": _notations(self.domains),
            "access_types": _notations(self.access_types),
            "target_users": _notations(self.target_users),
            "trl": self.trl.notation if self.trl else None,
            "standards": list(self.standards), "helpdesk_email": self.helpdesk_email,
            "helpdesk_url": self.helpdesk_url, "terms_url": self.terms_url,
        }


class CompetenceOffer(Tracked):
    """A centre offers a competence at a level, with evidence: the competence map."""

    LEVELS = [
        ("expert", "Expert consultancy"),
        ("hands-on", "Hands-on support"),
        ("training", "Training"),
        ("referral", "Referral"),
    ]
    LEVEL_RANK = {"expert": 4, "hands-on": 3, "training": 2, "referral": 1}

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="offers")
    competence = models.ForeignKey(
        Concept, on_delete=models.PROTECT, related_name="offers",
        limit_choices_to={"scheme__slug": COMPETENCES},
    )
    level = models.CharField(max_length=10, choices=LEVELS)
    evidence_url = HttpURLField(blank=True)
    evidence_service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence_for"
    )
    evidence_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["centre", "competence__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "competence", "level"], name="offer_unique_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.centre}: {self.competence} ({self.get_level_display()})"

    def clean(self) -> None:
        if self.competence_id and self.competence.scheme.slug != COMPETENCES:
            raise ValidationError({"competence": "Not a concept of the competence taxonomy."})

    @property
    def history_centre_id(self) -> int:
        return self.centre_id

    def as_record(self) -> dict[str, Any]:
        return {
            "centre": self.centre.slug, "competence": self.competence.notation,
            "level": self.level, "evidence_url": self.evidence_url,
            "evidence_service": self.evidence_service.slug if self.evidence_service else None,
            "evidence_note": self.evidence_note,
        }


class Release(models.Model):
    """A named, frozen, downloadable snapshot of the registry."""

    version = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    snapshot = models.JSONField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.version}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("registry:release", args=[self.version])


class ImportJob(models.Model):
    """An import started from the web; it runs in the background and keeps its report."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [(QUEUED, "Queued"), (RUNNING, "Running"), (DONE, "Done"), (FAILED, "Failed")]

    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500)
    dry_run = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    runner = models.CharField(max_length=64, blank=True, help_text="The worker process running it")
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("registry:import-job", args=[self.pk])
