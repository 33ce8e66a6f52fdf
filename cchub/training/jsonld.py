"""Bioschemas JSON-LD for the training catalogue: a Course with its CourseInstance (and the
same event as an Event, for harvesters that read events), or a TrainingMaterial. TeSS
harvests exactly these profiles; each block declares ``dct:conformsTo``."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from cchub.lib.jsonld import SCHEMA, clean
from cchub.training.models import Event, Material


def course(item: Event | Material) -> dict[str, Any]:
    """Bioschemas JSON-LD: a Course with its CourseInstance, or a TrainingMaterial."""
    base = settings.SITE_URL
    keywords = _keywords(item)
    if isinstance(item, Event):
        instance: dict[str, Any] = {
            "@type": "CourseInstance",
            "courseMode": item.mode,
            "startDate": item.start.isoformat(),
            "endDate": item.end.isoformat(),
            "inLanguage": item.language,
            "location": {"@type": "VirtualLocation", "url": item.url or base + item.get_absolute_url()}
            if item.mode == "online"
            else _place(item, item.venue),
            "organizer": _organisers(item),
        }
        if item.capacity:
            instance["maximumAttendeeCapacity"] = item.capacity
        data: dict[str, Any] = {
            "@context": "https://schema.org/",
            "@type": "Course",
            "dct:conformsTo": {"@id": "https://bioschemas.org/profiles/Course/1.0-RELEASE"},
            "@id": base + item.get_absolute_url(),
            "name": item.title,
            "description": item.description,
            "keywords": keywords,
            "url": item.url or base + item.get_absolute_url(),
            "educationalLevel": item.level,
            "hasCourseInstance": [instance],
            "teaches": item.learning_outcomes,
            "coursePrerequisites": item.prerequisites,
        }
    else:
        data = {
            "@context": "https://schema.org/",
            "@type": "LearningResource",
            "dct:conformsTo": {"@id": "https://bioschemas.org/profiles/TrainingMaterial/1.0-RELEASE"},
            "@id": base + item.get_absolute_url(),
            "name": item.title,
            "description": item.description,
            "keywords": keywords,
            "url": item.url or base + item.get_absolute_url(),
            "license": f"https://spdx.org/licenses/{item.licence}" if item.licence else None,
            "author": [{"@type": "Person", "name": a} for a in item.authors],
            "inLanguage": item.language,
            "educationalLevel": item.level,
            "learningResourceType": item.format,
            "identifier": f"https://doi.org/{item.doi}" if item.doi else None,
            "dateModified": item.date.isoformat() if item.date else None,
        }
    return clean(data)


def _keywords(item: Event | Material) -> str:
    return ", ".join([*item.keywords, *(c.pref_label for c in item.competences.all())])


def _place(event: Event, name: str) -> dict[str, Any]:
    address = {"@type": "PostalAddress", "addressLocality": event.city, "addressCountry": event.country}
    return {"@type": "Place", "name": name, "address": address}


def _organisers(event: Event) -> list[dict[str, Any]]:
    return [
        {"@type": "Organization", "name": c.name, "url": settings.SITE_URL + c.get_absolute_url()}
        for c in event.organisers.all()
    ]


def event_block(event: Event) -> dict[str, Any]:
    """The same event as a Bioschemas Event, for harvesters that read events."""
    base = settings.SITE_URL
    return clean(
        {
            "@context": "https://schema.org/",
            "@type": "Event",
            "dct:conformsTo": {"@id": "https://bioschemas.org/profiles/Event/0.3-DRAFT"},
            "@id": base + event.get_absolute_url() + "#event",
            "name": event.title,
            "description": event.description,
            "keywords": _keywords(event),
            "url": event.url or base + event.get_absolute_url(),
            "startDate": event.start.isoformat(),
            "endDate": event.end.isoformat(),
            "inLanguage": event.language,
            "eventAttendanceMode": {
                "online": "https://schema.org/OnlineEventAttendanceMode",
                "onsite": "https://schema.org/OfflineEventAttendanceMode",
                "hybrid": "https://schema.org/MixedEventAttendanceMode",
            }[event.mode],
            "location": _place(event, event.venue or event.city) if event.mode != "online" else None,
            "organizer": _organisers(event),
            "maximumAttendeeCapacity": event.capacity,
        }
    )


def page(item: Event | Material) -> dict[str, Any]:
    """What an event's or a material's URL answers to machines: all its blocks."""
    blocks = [course(item), event_block(item)] if isinstance(item, Event) else [course(item)]
    return {"@context": SCHEMA, "@graph": [{k: v for k, v in b.items() if k != "@context"} for b in blocks]}
