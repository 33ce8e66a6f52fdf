"""The demo helpdesk: every centre's desk in its own time zone, service levels for the
cluster centres, a handful of tickets in different states and a published article."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cchub.records import watch
from cchub.registry.models import COMPETENCES, Centre
from cchub.support.models import Article, Desk, ServiceLevel, Supporter, TextModule, Ticket, TicketEvent
from cchub.vocab.models import Concept

DATA = Path(__file__).with_name("helpdesk.json")
ZONES = {
    "IT": "Europe/Rome",
    "DK": "Europe/Copenhagen",
    "GR": "Europe/Athens",
    "RS": "Europe/Belgrade",
    "DE": "Europe/Berlin",
    "BE": "Europe/Brussels",
    "PL": "Europe/Warsaw",
    "SE": "Europe/Stockholm",
    "EE": "Europe/Tallinn",
    "ES": "Europe/Madrid",
    "NO": "Europe/Oslo",
    "GB": "Europe/London",
    "FR": "Europe/Paris",
    "CH": "Europe/Zurich",
    "NL": "Europe/Amsterdam",
}


def zone_for(centre: Centre) -> str:
    national = [c for c in centre.countries if c != "EU"]
    return (
        ZONES.get(national[0], "Europe/Brussels")
        if len(national) == 1 and "EU" not in centre.countries
        else "Europe/Brussels"
    )


def load() -> dict[str, int]:
    """Add the demo helpdesk (idempotent: desks and levels are updated, tickets added once)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    counts = {"desks": 0, "service levels": 0, "tickets": 0, "articles": 0}
    with transaction.atomic(), watch.batch():
        for centre in Centre.objects.public():
            Desk.objects.update_or_create(
                centre=centre, defaults={"time_zone": zone_for(centre), "work_days": [0, 1, 2, 3, 4]}
            )
            counts["desks"] += 1
        for slug, levels in data["service_levels"].items():
            centre = Centre.objects.get(slug=slug)
            for priority, (first, resolve) in levels.items():
                ServiceLevel.objects.update_or_create(
                    centre=centre,
                    priority=priority,
                    defaults={"first_response_hours": first, "resolution_hours": resolve},
                )
                counts["service levels"] += 1
        counts["supporters"] = _staff(data)
        for module in data.get("text_modules", []):
            TextModule.objects.update_or_create(
                centre=None,
                name=module["name"],
                defaults={"body": module["body"], "state": module.get("state", "")},
            )
        if Ticket.objects.filter(requester_email="researcher@example.org").exists():
            return counts
        for item in data["tickets"]:
            owner = Centre.objects.get(slug=item["centre"]) if item["centre"] else None
            ticket = Ticket.objects.create(
                subject=item["subject"],
                body=item["body"],
                centre=owner,
                state=item["state"],
                priority=item["priority"],
                country=item.get("country", ""),
                language=item.get("language", ""),
                requester_email="researcher@example.org",
                requester_name="Demo researcher",
                routed_at=timezone.now(),
                solved_at=timezone.now() if item["state"] == "solved" else None,
            )
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEvent.CREATED,
                by_requester=True,
                actor_label="Demo researcher",
                body=ticket.body,
            )
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEvent.ROUTED,
                actor_label="router",
                data={
                    "to": owner.pk if owner else None,
                    "centre": owner.acronym if owner else "",
                    "automatic": True,
                },
            )
            for text in item.get("replies", []):
                TicketEvent.objects.create(
                    ticket=ticket, kind=TicketEvent.REPLY, actor_label=f"{owner} support", body=text
                )
                ticket.first_response_at = timezone.now()
            ticket.save(update_fields=["first_response_at"])
            counts["tickets"] += 1
            if "article" in item and owner is not None:
                spec = item["article"]
                article = Article.objects.create(
                    slug=spec["title"].lower().replace(" ", "-")[:70],
                    title=spec["title"],
                    body=spec["body"],
                    centre=owner,
                    source_ticket=ticket,
                    status=Article.APPROVED,
                    approved_at=timezone.now(),
                )
                article.competences.set(
                    Concept.objects.filter(scheme__slug=COMPETENCES, notation__in=spec["competences"])
                )
                article.save()  # index it with its competences
                counts["articles"] += 1
    return counts


def _staff(data: dict[str, object]) -> int:
    """The demo desks' people: one supporter (a lead) for each centre the demo staffs, and a
    triager. They cannot sign in (no password); they make those centres reachable, as a real
    network starts: a few centres staffed, the rest reached through triage."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cchub.support.permissions import TRIAGE_GROUP

    users = get_user_model().objects
    made = 0
    for slug in data.get("staffed", []):  # type: ignore[attr-defined]
        centre = Centre.objects.filter(slug=slug).first()
        if centre is None:
            continue
        user, created = users.get_or_create(
            username=f"desk-{slug}", defaults={"email": f"desk-{slug}@example.org"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        _, added = Supporter.objects.get_or_create(user=user, centre=centre, defaults={"is_lead": True})
        made += added
    triager, created = users.get_or_create(username="triage-rota", defaults={"email": "triage@example.org"})
    if created:
        triager.set_unusable_password()
        triager.save()
    triager.groups.add(Group.objects.get_or_create(name=TRIAGE_GROUP)[0])
    return made
