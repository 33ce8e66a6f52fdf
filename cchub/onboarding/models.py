"""Funded projects, their outputs and each output's onboarding case: metadata, checks,
FAIR assessments (with mentors' overrides), the review's timeline and the deposit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from cchub.lib.models import HttpURLField, Tracked
from cchub.lib.storage import private_storage
from cchub.onboarding.checks import KINDS
from cchub.registry.models import Centre, Cluster, Organisation

DRAFT, SUBMITTED, CHECKS_PASSED, CHECKS_FAILED = "draft", "submitted", "checks_passed", "checks_failed"
IN_REVIEW, CHANGES_REQUESTED, RESUBMITTED = "in_review", "changes_requested", "resubmitted"
APPROVED, DEPOSITED, INCLUDED, DECLINED = "approved", "deposited", "included", "declined"
STATES = [
    (DRAFT, "Draft"),
    (SUBMITTED, "Submitted"),
    (CHECKS_PASSED, "Checks passed"),
    (CHECKS_FAILED, "Checks failed"),
    (IN_REVIEW, "In review"),
    (CHANGES_REQUESTED, "Changes requested"),
    (RESUBMITTED, "Resubmitted"),
    (APPROVED, "Approved"),
    (DEPOSITED, "Deposited"),
    (INCLUDED, "Included in the community"),
    (DECLINED, "Declined"),
]
# How far along the onboarding each state is, for progress bars (declined counts as done).
PROGRESS = {
    DRAFT: 0,
    SUBMITTED: 1,
    CHECKS_FAILED: 1,
    CHECKS_PASSED: 2,
    IN_REVIEW: 3,
    CHANGES_REQUESTED: 3,
    RESUBMITTED: 3,
    APPROVED: 4,
    DEPOSITED: 5,
    INCLUDED: 6,
    DECLINED: 6,
}
FINAL = {INCLUDED, DECLINED}


class Call(Tracked):
    """A funding call, e.g. OSCARS open call 1."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    programme = models.CharField(max_length=100, blank=True, help_text="e.g. OSCARS")
    opens = models.DateField(null=True, blank=True)
    closes = models.DateField(null=True, blank=True)
    website = HttpURLField(blank=True)

    class Meta:
        ordering = ["-opens", "name"]

    def __str__(self) -> str:
        return self.name


class Project(Tracked):
    slug = models.SlugField(max_length=80, unique=True)
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(max_length=300)
    acronym = models.CharField(max_length=40)
    grant_id = models.CharField(max_length=60, blank=True, verbose_name="grant id")
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(blank=True)
    website = HttpURLField(blank=True)
    partners = models.ManyToManyField(Organisation, blank=True, related_name="funded_projects")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProjectMember", related_name="projects"
    )
    mentor_centre = models.ForeignKey(
        Centre, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentored_projects"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentored_projects",
    )
    community = models.CharField(
        max_length=100,
        blank=True,
        help_text="Repository community the outputs are submitted to, e.g. escape2020",
    )
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["acronym"]

    def __str__(self) -> str:
        return self.acronym

    def get_absolute_url(self) -> str:
        return reverse("onboarding:project", args=[self.slug])


class ProjectMember(models.Model):
    LEAD, MEMBER = "lead", "member"
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=[(LEAD, "Lead"), (MEMBER, "Member")], default=MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="onboarding_member_once")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.project_id}"


class Output(Tracked):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(max_length=20, choices=KINDS)
    title = models.CharField(max_length=300)
    state = models.CharField(max_length=20, choices=STATES, default=DRAFT, db_index=True)
    metadata = models.JSONField(
        default=dict, blank=True, help_text="CodeMeta (software) or schema.org terms (other kinds)"
    )
    landing_url = HttpURLField(blank=True, max_length=500, help_text="The output's landing page, if any")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="reviewed_outputs")
    checks_passed = models.BooleanField(null=True, blank=True)
    fair_score = models.FloatField(null=True, blank=True)
    doi = models.CharField(max_length=200, blank=True)
    record_url = HttpURLField(blank=True, max_length=500)
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "kind", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("onboarding:output", args=[self.pk])

    @property
    def progress(self) -> int:
        return PROGRESS[self.state]


class OutputFile(models.Model):
    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=private_storage, upload_to="onboarding/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CheckRun(models.Model):
    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="check_runs")
    created_at = models.DateTimeField(auto_now_add=True)
    checker = models.CharField(max_length=100)
    passed = models.BooleanField()
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.checker}: {'passed' if self.passed else 'failed'}"


class Assessment(models.Model):
    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="assessments")
    created_at = models.DateTimeField(auto_now_add=True)
    framework = models.CharField(max_length=40)
    version = models.CharField(max_length=40, help_text="The checker's version")
    score = models.FloatField()
    results = models.JSONField(default=list)
    landing = models.JSONField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.framework} {self.score}"


class Override(models.Model):
    """A mentor's judgement on one FAIR metric, with its justification; the newest for a
    metric applies to every later assessment until withdrawn."""

    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="overrides")
    metric = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=[("pass", "pass"), ("partial", "partial"), ("fail", "fail")]
    )
    justification = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["metric", "-created_at"]

    def __str__(self) -> str:
        return f"{self.metric}: {self.status}"


class Event(models.Model):
    """One entry of an output's timeline: a state change, a comment (on the whole, on a
    field or on a check run), a check, an assessment, an override, a deposit step."""

    KINDS = [
        (k, k)
        for k in (
            "created",
            "state",
            "comment",
            "metadata",
            "file",
            "check",
            "fair",
            "override",
            "deposit",
            "reviewers",
        )
    ]
    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=KINDS)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    field = models.CharField(max_length=100, blank=True)
    check_run = models.ForeignKey(
        CheckRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.created_at}"


class DepositTarget(Tracked):
    """A Zenodo-compatible (InvenioRDM) repository a centre deposits to, with its token
    encrypted at rest (never shown again after it is set)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="deposit_targets")
    name = models.CharField(max_length=100)
    base_url = HttpURLField(help_text="e.g. https://zenodo.org or https://sandbox.zenodo.org")
    community = models.CharField(max_length=100, blank=True, help_text="Community slug, e.g. escape2020")
    token_encrypted = models.TextField(blank=True, editable=False)
    token_hint = models.CharField(max_length=8, blank=True, editable=False)
    allow_private = models.BooleanField(default=False, help_text="Allow a repository on a private address")

    class Meta:
        ordering = ["centre", "name"]
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="onboarding_target_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.centre.acronym})"


class Deposit(models.Model):
    """One deposit of an output, step by step; every step is recorded as it completes, so
    a failure leaves a record of how far it went and the repository's draft to resume."""

    STEPS = ["started", "draft", "files", "metadata", "review", "submitted", "accepted", "declined"]
    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="deposits")
    target = models.ForeignKey(DepositTarget, on_delete=models.PROTECT, related_name="deposits")
    step = models.CharField(max_length=12, default="started")
    failed = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    record_id = models.CharField(max_length=100, blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    doi = models.CharField(max_length=200, blank=True)
    record_url = HttpURLField(blank=True, max_length=500)
    files_done = models.JSONField(default=list, blank=True)
    log = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The process carrying it out and its last step (cchub.lib.jobs): a deposit whose
    # process died is resumed, with its draft, by the next run instead of starting anew.
    runner = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"deposit {self.pk} ({self.step})"

    def summary(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "failed": self.failed,
            "error": self.error,
            "record_id": self.record_id,
            "doi": self.doi,
            "record_url": self.record_url,
        }
