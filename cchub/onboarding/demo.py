"""Demo onboarding: funded projects of OSCARS open call 1 in three clusters, mentored by
their centres, with outputs in several states (their metadata checked and assessed for
real, the review's steps taken through the workflow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from cchub.onboarding import workflow
from cchub.onboarding.models import Call, Output, Project, ProjectMember
from cchub.registry.models import Centre, Cluster, Organisation

PERSON = {
    "@type": "Person",
    "givenName": "Josiah",
    "familyName": "Carberry",
    "identifier": "https://orcid.org/0000-0002-1825-0097",
    "email": "josiah.carberry@example.org",
}


def _codemeta(name: str, description: str, version: str, licence: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": "https://doi.org/10.5063/schema/codemeta-2.0",
        "@type": "SoftwareSourceCode",
        "name": name,
        "description": description,
        "license": licence,
        "softwareVersion": version,
        "datePublished": "2026-06-15",
        "author": [PERSON],
        "maintainer": PERSON,
        "readme": f"https://git.example.org/{name}/-/blob/main/README.md",
        "codeRepository": f"https://git.example.org/{name}",
        "issueTracker": f"https://git.example.org/{name}/-/issues",
        "keywords": ["open science", "EOSC"],
        "funding": "101129751",
        **extra,
    }


PROJECTS: list[tuple[str, str, str, str, list[tuple[str, str, dict[str, Any], str]]]] = [
    (
        "escape",
        "escape-ossr",
        "GAMMALITE",
        "Gamma-ray analysis made light",
        [
            (
                "software",
                "gammapy-lite",
                _codemeta(
                    "gammapy-lite",
                    "A light Python package for the analysis of gamma-ray astronomy data, built on "
                    "Astropy, with an event-list reader, a binned likelihood fit and sky maps.",
                    "1.4.2",
                    "BSD-3-Clause",
                    softwareRequirements=["astropy>=6", "numpy>=1.26"],
                    contIntegration="https://git.example.org/ci",
                ),
                "approved",
            ),
            ("software", "ctools-ng", _codemeta("ctools-ng", "Tools", "1.2", "GPL"), "checks_failed"),
        ],
    ),
    (
        "envri",
        "envri-cc",
        "AIRFLUX",
        "Open fluxes from atmospheric stations",
        [
            (
                "dataset",
                "Station fluxes 2020–2025",
                {
                    "name": "Station fluxes 2020–2025",
                    "description": "Half-hourly CO2 and heat fluxes from 12 "
                    "European atmospheric stations, quality-controlled, with the processing "
                    "chain documented.",
                    "author": [PERSON],
                    "license": "CC-BY-4.0",
                    "datePublished": "2026-04-01",
                    "keywords": ["fluxes", "ICOS"],
                    "encodingFormat": ["text/csv", "application/x-netcdf"],
                    "contentSize": "3 GB",
                    "isAccessibleForFree": True,
                    "publisher": {"@type": "Organization", "name": "AIRFLUX"},
                },
                "in_review",
            ),
            ("training", "Flux processing, hands-on", {"name": "Flux processing, hands-on"}, "draft"),
        ],
    ),
    (
        "sshoc",
        "sshoc-cc",
        "TEXTLAB",
        "Shared text-mining workflows for the humanities",
        [
            (
                "software",
                "textlab-pipeline",
                _codemeta(
                    "textlab-pipeline",
                    "A reproducible text-mining pipeline for historical newspapers, with "
                    "containers for OCR correction, named-entity recognition and topic models.",
                    "0.9.0",
                    "EUPL-1.2",
                ),
                "changes_requested",
            ),
        ],
    ),
]


def _user(name: str) -> Any:
    user, _ = get_user_model().objects.get_or_create(username=name, defaults={"email": f"{name}@example.org"})
    return user


@transaction.atomic
def load() -> dict[str, int]:
    """Load the demo projects (once; a second run changes nothing)."""
    if Project.objects.filter(slug="gammalite").exists():
        return {"projects": 0, "outputs": 0}
    call, _ = Call.objects.get_or_create(
        slug="oscars-open-call-1",
        defaults={
            "name": "OSCARS open call 1",
            "programme": "OSCARS",
            "opens": dt.date(2025, 3, 1),
            "closes": dt.date(2025, 5, 15),
            "website": "https://oscars-project.eu/",
        },
    )
    curators = Group.objects.get_or_create(name=workflow.CURATOR_GROUP)[0]
    community = _user("demo-curator")
    community.groups.add(curators)
    made = {"projects": 0, "outputs": 0}
    for cluster_slug, centre_slug, acronym, title, outputs in PROJECTS:
        centre = Centre.objects.filter(slug=centre_slug).first() or Centre.objects.order_by("pk").first()
        if centre is None:  # no registry loaded
            break
        mentor = _user(f"demo-mentor-{acronym.lower()}")
        lead = _user(f"demo-lead-{acronym.lower()}")
        project = Project.objects.create(
            slug=acronym.lower(),
            call=call,
            title=title,
            acronym=acronym,
            grant_id="101129751",
            cluster=Cluster.objects.filter(slug=cluster_slug).first(),
            mentor_centre=centre,
            mentor=mentor,
            community="escape2020" if cluster_slug == "escape" else "",
            starts=dt.date(2025, 9, 1),
            ends=dt.date(2026, 12, 31),
            summary=f"{title}: funded by {call.name}, mentored by {centre.acronym}.",
        )
        project.partners.set(Organisation.objects.order_by("pk")[:2])
        ProjectMember.objects.create(project=project, user=lead, role=ProjectMember.LEAD)
        made["projects"] += 1
        for kind, name, metadata, target in outputs:
            output = Output.objects.create(project=project, kind=kind, title=name)
            _advance(output, metadata, target, lead, mentor, community)
            made["outputs"] += 1
    return made


def _advance(
    output: Output, metadata: dict[str, Any], target: str, lead: Any, mentor: Any, curator: Any
) -> None:
    workflow.set_metadata(output, lead, metadata)
    if target == "draft":
        workflow.assess(output, lead, read_landing=False)
        return
    workflow.submit(output, lead)
    if target == "checks_failed":
        return
    workflow.start_review(output, mentor, [curator])
    if target == "changes_requested":
        workflow.request_changes(
            output,
            mentor,
            "Please add the issue tracker's labels for newcomers and a "
            "CITATION.cff; the ORCID of every author helps too.",
        )
    elif target == "approved":
        workflow.comment(output, curator, "The CodeMeta file is exemplary.", field="codeMeta")
        workflow.approve(output, curator, "Ready for the OSSR.")
