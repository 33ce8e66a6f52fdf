"""The knowledge base: solved tickets become public articles once their centre approves.

A draft starts from the ticket's question and public answers with personal data removed
(the requester's name and address, any e-mail address, phone number or ORCID iD); the
supporter edits it; a lead supporter of the centre (or an administrator) publishes it.
Published articles are found by the hub's search and suggested while a researcher types
a question.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from cchub.accounts.permissions import is_network_admin
from cchub.history.recorder import tracked
from cchub.lib.jsonld import SCHEMA, clean, url
from cchub.lib.text import clean_text, unique_slug
from cchub.registry.models import COMPETENCES
from cchub.search import search
from cchub.support.models import SOLVED, Article, Ticket, TicketEvent
from cchub.support.permissions import led_centre_ids, may, supported_centre_ids
from cchub.support.workflow import TicketError
from cchub.vocab.models import Concept

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d ()./-]{7,}\d")
ORCID = re.compile(r"\b\d{4}-\d{4}-\d{4}-\d{3}[\dX]\b")


def scrub(text: str, names: list[str]) -> str:
    """Remove personal data: addresses, phone numbers, ORCID iDs and the given names."""
    text = EMAIL.sub("[e-mail removed]", text)
    text = ORCID.sub("[ORCID removed]", text)
    text = PHONE.sub("[phone removed]", text)
    for name in names:
        for part in {name, *name.split()}:
            if len(part) >= 3:
                text = re.sub(rf"\b{re.escape(part)}\b", "[name removed]", text)
    return text


def draft_text(ticket: Ticket) -> tuple[str, str]:
    """A first draft (title, body) from a solved ticket, personal data removed."""
    names = [n for n in (ticket.requester_name,) if n]
    if ticket.requester is not None:
        names += [ticket.requester.username, ticket.requester.get_full_name()]
    answers = [e.body for e in ticket.events.filter(kind=TicketEvent.REPLY, public=True, by_requester=False)]
    body = (
        "## Question\n\n"
        + scrub(ticket.body, names)
        + "\n\n## Answer\n\n"
        + "\n\n".join(scrub(a, names) for a in answers)
    )
    return scrub(ticket.subject, names), body


def _competences(notations: list[str]) -> list[Concept]:
    found = list(Concept.objects.filter(scheme__slug=COMPETENCES, notation__in=notations))
    missing = sorted(set(notations) - {c.notation for c in found})
    if missing:
        raise TicketError(f"Unknown competence(s): {', '.join(missing)}.", field="competences")
    return found


def create_from_ticket(ticket: Ticket, user: Any, title: str, body: str, competences: list[str]) -> Article:
    if not may(user, ticket, "article"):
        raise TicketError("Only the ticket's centre may write an article from it.", status=403)
    if ticket.state not in (SOLVED, "closed") or ticket.centre_id is None:
        raise TicketError("Only a solved ticket can become an article.", status=409)
    title = clean_text(title)[:200]
    if not title or not (body or "").strip():
        raise TicketError("An article needs a title and a text.", field="title" if not title else "body")
    concepts = _competences(competences)
    with transaction.atomic():
        article = Article(
            slug=unique_slug(Article, title),
            title=title,
            body=body.strip(),
            centre_id=ticket.centre_id,
            source_ticket=ticket,
            created_by=user,
        )
        with tracked(article, user, "drafted from " + ticket.reference):
            article.save()
            article.competences.set(concepts)
        TicketEvent.objects.create(
            ticket=ticket, kind=TicketEvent.ARTICLE, actor=user, public=False, data={"article": article.slug}
        )
    return article


def may_edit(user: Any, article: Article) -> bool:
    return is_network_admin(user) or article.centre_id in supported_centre_ids(user)


def may_approve(user: Any, article: Article) -> bool:
    return is_network_admin(user) or article.centre_id in led_centre_ids(user)


def update(article: Article, user: Any, title: str, body: str, competences: list[str]) -> Article:
    """Edit an article. A draft changes at once; a published article changes at once only
    for a lead or an administrator: anyone else's edit waits as a revision for a lead."""
    if not may_edit(user, article):
        raise TicketError("Only the article's centre may edit it.", status=403)
    title = clean_text(title)[:200]
    if not title or not (body or "").strip():
        raise TicketError("An article needs a title and a text.", field="title" if not title else "body")
    concepts = _competences(competences)
    if article.status == Article.APPROVED and not may_approve(user, article):
        with transaction.atomic():
            article.revision = {
                "title": title, "body": body.strip(), "competences": [c.notation for c in concepts],
                "by": user.get_username(), "at": timezone.now().isoformat(timespec="seconds"),
            }
            article.save(update_fields=["revision", "updated_at", "version"])
        return article
    with transaction.atomic(), tracked(article, user):
        article.title, article.body = title, body.strip()
        article.revision = {}
        article.save()
        article.competences.set(concepts)
    return article


def approve(article: Article, user: Any) -> Article:
    """Publish a draft, or a published article's waiting revision."""
    if not may_approve(user, article):
        raise TicketError("A lead supporter of the centre approves its articles.", status=403)
    if article.status == Article.APPROVED and not article.revision:
        raise TicketError("This article is published and no edit waits for approval.", status=409)
    with transaction.atomic(), tracked(article, user, "approved"):
        if article.revision:
            article.title, article.body = article.revision["title"], article.revision["body"]
            article.competences.set(_competences(article.revision.get("competences", [])))
            article.revision = {}
        article.status = Article.APPROVED
        article.approved_by, article.approved_at = user, timezone.now()
        article.save()
    return article


def discard_revision(article: Article, user: Any) -> Article:
    """A lead turns down the edit that waits; the published text stays as it is."""
    if not may_approve(user, article):
        raise TicketError("A lead supporter of the centre decides on edits.", status=403)
    if not article.revision:
        raise TicketError("No edit waits for approval.", status=409)
    article.revision = {}
    article.save(update_fields=["revision", "updated_at", "version"])
    return article


def suggestions(text: str, limit: int = 5) -> list[dict[str, str]]:
    """Published articles that may already answer a question being typed."""

    if len((text or "").strip()) < 4:
        return []
    results = search(text[:300], types=["article"], page_size=limit, log=False)
    return [{"title": h.title, "url": h.url, "snippet": h.snippet} for h in results.hits]


def article_jsonld(article: Article) -> dict[str, Any]:
    """A published article as a schema.org TechArticle."""
    return clean(
        {
            "@context": SCHEMA,
            "@type": "TechArticle",
            "@id": url(article.get_absolute_url()),
            "headline": article.title,
            "articleBody": article.body,
            "datePublished": article.approved_at.isoformat() if article.approved_at else None,
            "dateModified": article.updated_at.isoformat(),
            "publisher": {"@type": "Organization", "name": article.centre.name,
                          "url": url(article.centre.get_absolute_url())},
            "about": [
                {"@type": "DefinedTerm", "name": c.pref_label, "termCode": c.notation,
                 "url": url(c.get_absolute_url())}
                for c in article.competences.all()
            ],
        }
    )
