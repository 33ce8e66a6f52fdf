"""What onboarding holds about a person: the project teams they are in."""

from __future__ import annotations

from typing import Any

from cchub.lib.personal import Person
from cchub.onboarding.models import Project, ProjectMember


def export(person: Person) -> dict[str, Any]:
    if person.user is None:
        return {"project_teams": [], "mentor_of": []}
    return {
        "project_teams": [{"project": m.project.acronym, "role": m.role}
                          for m in ProjectMember.objects.filter(user=person.user).select_related("project")],
        "mentor_of": [p.acronym for p in Project.objects.filter(mentor=person.user)],
    }


def erase(person: Person) -> dict[str, int]:
    if person.user is None:
        return {}
    teams = ProjectMember.objects.filter(user=person.user).delete()[0]
    mentored = Project.objects.filter(mentor=person.user).update(mentor=None)
    return {"project teams left": teams, "projects no longer mentored": mentored}
