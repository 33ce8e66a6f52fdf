"""The user-support network: desks (a centre's helpdesk settings and service levels),
supporters, tickets and their timeline, attachments, links, inbound mail and the
knowledge base."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from cchub.lib.models import Tracked
from cchub.lib.storage import private_storage
from cchub.lib.text import render_markdown
from cchub.registry.models import Centre, Service
from cchub.vocab.models import Concept

NEW, ASSIGNED, IN_PROGRESS, WAITING, ON_HOLD = "new", "assigned", "in-progress", "waiting", "on-hold"
SOLVED, UNSOLVED, CLOSED = "solved", "unsolved", "closed"
STATES = [
    (NEW, "New"),
    (ASSIGNED, "Assigned"),
    (IN_PROGRESS, "In progress"),
    (WAITING, "Waiting for reply"),
    (ON_HOLD, "On hold"),
    (SOLVED, "Solved"),
    (UNSOLVED, "Unsolved"),
    (CLOSED, "Closed"),
]
OPEN_STATES = (NEW, ASSIGNED, IN_PROGRESS, WAITING, ON_HOLD)
FINISHED_STATES = (SOLVED, UNSOLVED, CLOSED)

LESS_URGENT, URGENT, VERY_URGENT, TOP = "less-urgent", "urgent", "very-urgent", "top"
PRIORITIES = [
    (LESS_URGENT, "Less urgent"),
    (URGENT, "Urgent"),
    (VERY_URGENT, "Very urgent"),
    (TOP, "Top priority"),
]
# Working hours to first response and to resolution, used when a desk sets no target.
DEFAULT_TARGETS: dict[str, tuple[float, float]] = {
    LESS_URGENT: (16, 80),
    URGENT: (8, 40),
    VERY_URGENT: (4, 16),
    TOP: (1, 8),
}


class Desk(models.Model):
    """A centre's helpdesk: whether it takes tickets, its working calendar."""

    centre = models.OneToOneField(Centre, on_delete=models.CASCADE, related_name="desk")
    accepts_tickets = models.BooleanField(default=True)
    time_zone = models.CharField(max_length=60, default="Europe/Brussels")
    work_days = models.JSONField(default=list, blank=True, help_text="0 = Monday … 6 = Sunday")
    day_start = models.TimeField(default=dt.time(9, 0))
    day_end = models.TimeField(default=dt.time(17, 0))
    holidays = models.JSONField(default=list, blank=True, help_text="ISO dates")
    address_verified_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When someone at the centre's helpdesk address confirmed that it reaches them",
    )
    verified_address = models.EmailField(blank=True, help_text="The address that was confirmed")
    # A bridge: the centre's tickets live in another helpdesk, which the hub hands them to.
    HANDOVER_EMAIL, HANDOVER_ZAMMAD = "email", "zammad"
    HANDOVERS = [("", "No: the centre answers in the hub"), (HANDOVER_EMAIL, "By e-mail"),
                 (HANDOVER_ZAMMAD, "Through Zammad's REST API")]
    handover = models.CharField(max_length=10, choices=HANDOVERS, blank=True)
    handover_address = models.EmailField(blank=True, help_text="The other helpdesk's address (e-mail)")
    handover_url = models.URLField(blank=True, help_text="The other helpdesk's base URL (Zammad)")
    handover_token = models.CharField(max_length=200, blank=True, help_text="API token (Zammad)")
    handover_group = models.CharField(max_length=100, blank=True, help_text="Group or queue there")

    def __str__(self) -> str:
        return f"Desk of {self.centre}"

    def targets(self) -> dict[str, tuple[float, float]]:
        """Priority → (first-response hours, resolution hours), in working hours."""
        found = dict(DEFAULT_TARGETS)
        for level in self.centre.service_levels.all():
            found[level.priority] = (level.first_response_hours, level.resolution_hours)
        return found


class ServiceLevel(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="service_levels")
    priority = models.CharField(max_length=12, choices=PRIORITIES)
    first_response_hours = models.FloatField()
    resolution_hours = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "priority"], name="sla_unique")]

    def __str__(self) -> str:
        return f"{self.centre}: {self.priority}"


class Supporter(models.Model):
    """A person who answers tickets for a centre."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_roles")
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="supporters")
    is_lead = models.BooleanField(default=False, help_text="Approves knowledge-base articles")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "centre"], name="supporter_unique")]

    def __str__(self) -> str:
        return f"{self.user} at {self.centre}"


def new_key() -> str:
    return secrets.token_urlsafe(24)


class Ticket(models.Model):
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown")
    stage = models.ForeignKey(
        Concept,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Stage of the research workflow (a top concept of the competence taxonomy)",
    )
    country = models.CharField(max_length=2, blank=True)
    language = models.CharField(max_length=3, blank=True)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    requester_name = models.CharField(max_length=200, blank=True)
    requester_email = models.EmailField(blank=True)  # blank once the person was erased
    confirmed = models.BooleanField(default=True, help_text="A guest confirmed the address")
    key = models.CharField(max_length=40, unique=True, default=new_key, editable=False)
    state = models.CharField(max_length=12, choices=STATES, default=NEW)
    priority = models.CharField(max_length=12, choices=PRIORITIES, default=LESS_URGENT)
    centre = models.ForeignKey(
        Centre,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        help_text="Empty: the ticket waits in the network's triage queue",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    collaborators = models.ManyToManyField(Centre, blank=True, related_name="collaborations")
    escalated = models.BooleanField(default=False)
    routing = models.JSONField(default=list, blank=True, help_text="Candidates ranked at submission")
    auto_routed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    sla_notices = models.JSONField(default=list, blank=True, help_text="SLA warnings already sent")
    seen_at = models.DateTimeField(null=True, blank=True, help_text="First opened at its current centre")
    paused_at = models.DateTimeField(null=True, blank=True, help_text="Service clocks paused since")
    paused_seconds = models.FloatField(default=0.0, help_text="Working time spent paused")
    followers = models.JSONField(default=list, blank=True, help_text="Addresses copied on public replies")
    tags: models.ManyToManyField[Tag, Any] = models.ManyToManyField("Tag", blank=True, related_name="tickets")
    spam = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Satisfaction, 1–5")
    rating_solved = models.BooleanField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    external_ref = models.CharField(max_length=100, blank=True, help_text="Its number in another helpdesk")
    external_url = models.URLField(blank=True)
    external_state = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["centre", "state"]),
            models.Index(fields=["state", "created_at"]),
            # covers the landscape's figures: counts and response times of a period, index only
            models.Index(fields=["created_at", "first_response_at", "solved_at"], name="ticket_times"),
            models.Index(fields=["solved_at"], name="ticket_solved"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("support:ticket", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"CCH-{self.pk:06d}" if self.pk else "CCH-new"

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def sla_start(self) -> dt.datetime:
        return self.routed_at or self.created_at


class TicketEvent(models.Model):
    """One entry of a ticket's timeline: a reply, a note, or a change."""

    CREATED, REPLY, NOTE, STATE, PRIORITY, ASSIGN = "created", "reply", "note", "state", "priority", "assign"
    ROUTED, TRANSFER, REFERRAL, ESCALATION, INVITE = "routed", "transfer", "referral", "escalation", "invite"
    LINK, SLA, CONFIRMED, ARTICLE = "link", "sla", "confirmed", "article"
    MERGE, SPLIT, SPAM, TAG, MENTION, FOLLOWUP = "merge", "split", "spam", "tag", "mention", "followup"
    RATING, HANDOVER, UNDELIVERED, UNSEEN = "rating", "handover", "undelivered", "unseen"
    KINDS = [
        (k, k)
        for k in (
            MERGE, SPLIT, SPAM, TAG, MENTION, FOLLOWUP, RATING, HANDOVER, UNDELIVERED, UNSEEN,
            CREATED,
            REPLY,
            NOTE,
            STATE,
            PRIORITY,
            ASSIGN,
            ROUTED,
            TRANSFER,
            REFERRAL,
            ESCALATION,
            INVITE,
            LINK,
            SLA,
            CONFIRMED,
            ARTICLE,
        )
    ]

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=KINDS)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True, help_text="Who, when no account acted")
    by_requester = models.BooleanField(default=False)
    public = models.BooleanField(default=True, help_text="Shown to the requester")
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    via_email = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "kind"]),
            models.Index(fields=["kind", "created_at"], name="ticketevent_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.reference} {self.kind}"

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        TicketEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(storage=private_storage,
                            upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def public(self) -> bool:
        return self.event is None or self.event.public


class TicketLink(models.Model):
    DUPLICATE, RELATED, CHILD = "duplicate", "related", "child"
    KINDS = [(DUPLICATE, "duplicate of"), (RELATED, "related to"), (CHILD, "child of")]

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=10, choices=KINDS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="ticket_link_unique")]

    def __str__(self) -> str:
        return f"{self.source.reference} {self.get_kind_display()} {self.target.reference}"


class InboundMail(models.Model):
    """Every message received by e-mail, kept once (by Message-ID) with what became of it."""

    message_id = models.CharField(max_length=255, unique=True)
    sender = models.CharField(max_length=255)
    subject = models.CharField(max_length=255, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL)
    outcome = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.outcome}"


class Article(Tracked):
    """A knowledge-base article, often written from a solved ticket."""

    DRAFT, APPROVED = "draft", "approved"
    STATUSES = [(DRAFT, "Draft, awaiting the centre's approval"), (APPROVED, "Published")]

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown")
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="articles")
    competences = models.ManyToManyField(Concept, blank=True, related_name="articles")
    source_ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # A published article edited by a supporter who is not a lead: the edit waits here
    # ({"title", "body", "competences", "by", "at"}) while the published text stays public.
    revision = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("support:article", args=[self.slug])

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    @property
    def history_centre_id(self) -> int:
        return self.centre_id

    # Drafts are written from tickets: their text is the centre's until a lead publishes it.
    HISTORY_PRIVATE_FIELDS = ("body", "source_ticket")

    @classmethod
    def history_hidden_pks(cls) -> list[int]:
        return list(cls.objects.exclude(status=cls.APPROVED).values_list("pk", flat=True))

    def as_record(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "body": self.body,
            "centre": self.centre.slug,
            "competences": sorted(c.notation for c in self.competences.all()),
            "status": self.status,
            "source_ticket": self.source_ticket_id,
        }


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TextModule(models.Model):
    """A ready answer (a macro): its text, optionally a state the reply sets. A centre's own,
    or the network's (no centre) for everyone who answers tickets."""

    name = models.CharField(max_length=100)
    body = models.TextField(help_text="Markdown; {name} is the requester's name, {reference} the ticket's")
    centre = models.ForeignKey(Centre, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="text_modules")
    state = models.CharField(max_length=12, choices=STATES, blank=True, help_text="State the reply sets")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="text_module_unique")]

    def __str__(self) -> str:
        return self.name


class SavedView(models.Model):
    """A queue with its filters and sorting, saved by a user under a name."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    params = models.JSONField(default=dict)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique")]

    def __str__(self) -> str:
        return self.name


class BlockedSender(models.Model):
    """An address (or ``@domain``) whose questions are not taken: marked as spam by an agent."""

    pattern = models.CharField(max_length=254, unique=True)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.pattern


class Coordinator(models.Model):
    """Someone who answers for a cluster's part of the support network: tickets nobody opened
    at one of its centres escalate to them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="support_coordination")
    cluster = models.ForeignKey("registry.Cluster", on_delete=models.CASCADE,
                                related_name="support_coordinators")

    class Meta:
        verbose_name = "support coordinator"
        constraints = [models.UniqueConstraint(fields=["user", "cluster"], name="coordinator_unique")]

    def __str__(self) -> str:
        return f"{self.user} for {self.cluster}"


class MonthlyReport(models.Model):
    """A month whose helpdesk report was mailed (so that it is mailed once)."""

    month = models.CharField(max_length=7, unique=True)
    sent_at = models.DateTimeField()
    messages = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.month
