"""The EOSC glossary's workflow, after the clusters' Glossary Task Force:

    proposed ──submit──▶ in review ──approve──▶ approved ──deprecate──▶ deprecated
        ▲                    │                                   (with a replacement)
        └───send back────────┘

Anyone signed in proposes a term and comments; the proposer (or an editor) submits it for
review; a reviewer of the term or an editor approves it or sends it back, with a recorded
decision; editors (network administrators and the "Glossary Task Force" group) edit any
term and deprecate approved ones. Every change is recorded in the history.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cchub.accounts.permissions import is_network_admin
from cchub.glossary.models import Term, TermComment
from cchub.history.recorder import tracked
from cchub.lib.api import Refused
from cchub.lib.text import clean_text, unique_slug
from cchub.lib.validators import is_http_url, validate_language_tag

EDITOR_GROUP = "Glossary Task Force"
REVIEWER_GROUP = "Glossary reviewers"


class GlossaryError(Refused):
    """A glossary step that is refused: ``status`` is the HTTP status, ``field`` what is wrong."""


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_editor(user: Any) -> bool:
    return _signed_in(user) and (is_network_admin(user) or user.groups.filter(name=EDITOR_GROUP).exists())


def may_edit(user: Any, term: Term) -> bool:
    if term.is_harvested:
        return False
    if is_editor(user):
        return True
    return _signed_in(user) and term.status == Term.PROPOSED and term.proposed_by_id == user.pk


def is_reviewer(user: Any) -> bool:
    """Holds the reviewer role: the Task Force's editors and the members of "Glossary reviewers"."""
    return is_editor(user) or (_signed_in(user) and user.groups.filter(name=REVIEWER_GROUP).exists())


def may_review(user: Any, term: Term) -> bool:
    """An editor, or a reviewer the term was sent to; never the term's own proposer."""
    if term.is_harvested or not _signed_in(user) or term.proposed_by_id == user.pk:
        return False
    return is_editor(user) or (is_reviewer(user) and term.reviewers.filter(pk=user.pk).exists())


def may_see(user: Any, term: Term) -> bool:
    """Approved and deprecated terms are public; the others are for people who work on them."""
    return (
        term.is_public
        or may_edit(user, term)
        or may_review(user, term)
        or (_signed_in(user) and term.proposed_by_id == user.pk)
    )


def _labels(values: Any, name: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [v for v in values.replace(";", "\n").splitlines()]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise GlossaryError(f"{name} must be a list of texts.", field=name)
    return list(dict.fromkeys(clean_text(v) for v in values if v.strip()))


def clean(data: dict[str, Any], term: Term | None = None) -> dict[str, Any]:
    """Validate a term's fields; the first problem raises GlossaryError naming the field."""
    pref = clean_text(str(data.get("pref_label", term.pref_label if term else "")))
    if not pref:
        raise GlossaryError("A term needs its preferred label.", field="pref_label")
    definition = str(data.get("definition", term.definition if term else "")).strip()
    if not definition:
        raise GlossaryError("A term needs a definition.", field="definition")
    alt = _labels(data.get("alt_labels", term.alt_labels if term else []), "alt_labels")
    acronyms = _labels(data.get("acronyms", term.acronyms if term else []), "acronyms")
    clash = {x.lower() for x in alt + acronyms} & {pref.lower()}
    if clash:
        raise GlossaryError(
            f"'{pref}' is the preferred label; it cannot also be an alternative label.", field="alt_labels"
        )
    translations = data.get("translations", term.translations if term else {})
    if not isinstance(translations, dict):
        raise GlossaryError(
            "translations must map a language code to labels and a definition.", field="translations"
        )
    for lang, entry in translations.items():
        try:
            validate_language_tag(lang)
        except ValidationError as exc:
            raise GlossaryError(f"Translations: {exc.messages[0]}", field="translations") from exc
        if not isinstance(entry, dict) or not isinstance(entry.get("pref_label", ""), str):
            raise GlossaryError(
                f"The '{lang}' translation must have a pref_label text.", field="translations"
            )
    examples = _labels(data.get("examples", term.examples if term else []), "examples")
    source_url = str(data.get("source_url", term.source_url if term else "")).strip()
    if source_url and not is_http_url(source_url):
        raise GlossaryError("The source URL must be an http(s) address.", field="source_url")
    return {
        "pref_label": pref[:200],
        "definition": definition,
        "alt_labels": alt,
        "acronyms": acronyms,
        "source": clean_text(str(data.get("source", term.source if term else "")))[:500],
        "source_url": source_url[:400],
        "examples": examples,
        "translations": translations,
    }


def propose(user: Any, data: dict[str, Any]) -> Term:
    if not _signed_in(user):
        raise GlossaryError("Sign in to propose a term.", status=401)
    values = clean(data)
    with transaction.atomic():
        term = Term(slug=unique_slug(Term, values["pref_label"]), proposed_by=user, **values)
        with tracked(term, user, "proposed"):
            term.save()
    return term


def _writable(term: Term) -> None:
    if term.is_harvested:
        message = f"Harvested from {term.origin}: read-only here; change it at its origin."
        raise GlossaryError(message, status=403)


def edit(user: Any, term: Term, data: dict[str, Any]) -> Term:
    _writable(term)
    if not may_edit(user, term):
        raise GlossaryError("You may not edit this term.", status=403)
    values = clean(data, term)
    with transaction.atomic(), tracked(term, user):
        for key, value in values.items():
            setattr(term, key, value)
        term.save()
    return term


def _step(
    user: Any,
    term: Term,
    allowed_from: tuple[str, ...],
    to: str,
    note: str,
    action: str,
    decision: bool = False,
    replacement: Term | None = None,
) -> Term:
    if term.status not in allowed_from:
        raise GlossaryError(
            f"A term that is {term.get_status_display().lower()} cannot be {action}.", status=409
        )
    with transaction.atomic(), tracked(term, user, action):
        term.status = to
        if decision:
            term.decision = note
            term.decided_by, term.decided_at = user, timezone.now()
        if replacement is not None:
            term.replaced_by = replacement
        term.save()
        if note:
            TermComment.objects.create(term=term, author=user, body=note, action=action)
    return term


def submit(user: Any, term: Term, reviewers: list[str] | None = None) -> Term:
    if not may_edit(user, term):
        raise GlossaryError("Only the proposer or an editor submits a term for review.", status=403)
    names = reviewers or []
    found = list(get_user_model().objects.filter(username__in=names, is_active=True))
    missing = sorted(set(names) - {u.get_username() for u in found})
    if missing:
        raise GlossaryError(f"Unknown reviewer(s): {', '.join(missing)}.", field="reviewers")
    if any(u.pk == term.proposed_by_id for u in found):
        raise GlossaryError("The proposer cannot review their own term.", field="reviewers")
    unqualified = sorted(u.get_username() for u in found if not is_reviewer(u))
    if unqualified:
        raise GlossaryError(
            f"Not glossary reviewers: {', '.join(unqualified)} (the Task Force gives the role).",
            field="reviewers")
    term = _step(user, term, (Term.PROPOSED,), Term.IN_REVIEW, "", "submitted for review")
    if found:
        term.reviewers.add(*found)
    return term


def decide(user: Any, term: Term, approve: bool, decision: str) -> Term:
    if not may_review(user, term):
        raise GlossaryError("Only the term's reviewers and the editors decide.", status=403)
    decision = (decision or "").strip()
    if not decision:
        raise GlossaryError("Record the decision: say why.", field="decision")
    if approve:
        return _step(user, term, (Term.IN_REVIEW,), Term.APPROVED, decision, "approved", decision=True)
    return _step(user, term, (Term.IN_REVIEW,), Term.PROPOSED, decision, "sent back", decision=True)


def deprecate(user: Any, term: Term, replacement_slug: str, decision: str) -> Term:
    if not is_editor(user):
        raise GlossaryError("Only the editors deprecate a term.", status=403)
    replacement = Term.objects.filter(slug=replacement_slug, status=Term.APPROVED).exclude(pk=term.pk).first()
    if replacement is None:
        raise GlossaryError("Name the approved term that replaces it.", field="replaced_by")
    if not (decision or "").strip():
        raise GlossaryError("Record the decision: say why.", field="decision")
    return _step(
        user,
        term,
        (Term.APPROVED,),
        Term.DEPRECATED,
        decision.strip(),
        "deprecated",
        decision=True,
        replacement=replacement,
    )


def comment(user: Any, term: Term, body: str) -> TermComment:
    if not _signed_in(user):
        raise GlossaryError("Sign in to comment.", status=401)
    if not may_see(user, term):
        raise GlossaryError("No such term.", status=404)
    body = (body or "").strip()
    if not body:
        raise GlossaryError("The comment is empty.", field="body")
    return TermComment.objects.create(term=term, author=user, body=body[:5000])


STEPS = ("submit", "approve", "send-back", "deprecate", "comment")


def run_step(
    user: Any,
    term: Term,
    step: str,
    *,
    reviewers: list[str] | None = None,
    decision: str = "",
    replaced_by: str = "",
    body: str = "",
) -> Any:
    """One workflow step by name (pages and API alike); ``step`` must be one of STEPS."""
    _writable(term)
    if step == "submit":
        return submit(user, term, reviewers or [])
    if step in ("approve", "send-back"):
        return decide(user, term, step == "approve", decision)
    if step == "deprecate":
        return deprecate(user, term, replaced_by, decision)
    if step == "comment":
        return comment(user, term, body)
    raise GlossaryError(f"Unknown step '{step}' (one of {', '.join(STEPS)}).", status=404)
