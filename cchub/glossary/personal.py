"""What the glossary holds about a person: the terms they proposed and their comments."""

from __future__ import annotations

from typing import Any

from cchub.glossary.models import Term, TermComment
from cchub.lib.personal import Person


def export(person: Person) -> dict[str, Any]:
    if person.user is None:
        return {"terms_proposed": [], "glossary_comments": []}
    return {
        "terms_proposed": [{"term": t.pref_label, "status": t.status}
                           for t in Term.objects.filter(proposed_by=person.user)],
        "glossary_comments": [{"term": c.term.pref_label, "at": c.created_at.isoformat(), "text": c.body}
                              for c in TermComment.objects.filter(author=person.user).select_related("term")],
    }


def erase(person: Person) -> dict[str, int]:
    """Terms and comments stay (the Task Force's record), by the erased account."""
    return {}
