"""Small records for tests, made through the one write path (so the search index and the
published items follow as they do in use). Each factory takes only what a test cares about
and fills the rest; the built-in vocabularies are there in every test database.

A factory brings the derived views in step once per record, at its end (``watch.batch``);
a fixture that makes several records does better still inside one ``watch.batch()``."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.models import Group

from cchub.records import watch
from cchub.records.writes import apply
from cchub.registry.models import Centre, Cluster, CompetenceOffer, Organisation, Service
from cchub.testing.helpers import make_user

_n = itertools.count(1)


def cluster(acronym: str = "ESCAPE", **fields: Any) -> Cluster:
    """A science cluster (found by its slug if a test made it already)."""
    slug = fields.pop("slug", acronym.lower())
    found = Cluster.objects.filter(slug=slug).first()
    if found is not None:
        return found
    name = fields.pop("name", f"{acronym} cluster")
    return apply(Cluster(), {"slug": slug, "acronym": acronym, "name": name, **fields}, None)


def organisation(acronym: str = "", **fields: Any) -> Organisation:
    acronym = acronym or f"ORG{next(_n)}"
    return apply(Organisation(), {"acronym": acronym, "name": fields.pop("name", f"{acronym} institute"),
                                  "country": fields.pop("country", "IT"), **fields}, None)


def centre(acronym: str = "", *, clusters: tuple[str, ...] = (), offers: dict[str, str] | None = None,
           **fields: Any) -> Centre:
    """A public (approved) national centre in Italy unless told otherwise; ``clusters`` by
    slug (made if missing); ``offers``: competence notation -> level."""
    acronym = acronym or f"CC{next(_n)}"
    with watch.batch():
        for slug in clusters:
            cluster(slug.upper(), slug=slug)
        made = apply(Centre(), {
            "acronym": acronym, "name": fields.pop("name", f"Centre {acronym}"),
            "kind": fields.pop("kind", "national"), "countries": fields.pop("countries", ["IT"]),
            "clusters": list(clusters), **fields,
        }, None)
        for notation, level in (offers or {}).items():
            offer(made, notation, level)
    return made


# The centres the shared people fixtures (curators, supporters, mentors) belong to, by the
# demo's slugs, each with a few of the demo's offers and a line of what it does:
# slug -> acronym, clusters, offers, description.
NAMED: dict[str, tuple[str, tuple[str, ...], dict[str, str], str]] = {
    "escape-vo": ("ESCAPE-VO", ("escape",), {"ivoa-vo": "expert", "ivoa-tap-adql": "expert"},
                  "The Virtual Observatory: querying astronomy archives with TAP and ADQL."),
    "kit": ("KIT", (), {"dmp": "hands-on", "hpc": "expert"}, "Research data management and computing."),
    "escape-ossr": ("ESCAPE-OSSR", ("escape",), {"software-publication": "expert"},
                    "Publishing research software in the open repository."),
}


def centre_named(slug: str) -> Centre:
    """The centre with this slug: the demo's when it is loaded, else a small one made here."""
    found = Centre.objects.filter(slug=slug).first()
    if found is not None:
        return found
    acronym, clusters, offers, description = NAMED[slug]
    return centre(acronym, slug=slug, clusters=clusters, offers=offers, description=description)


def offer(of: Centre, notation: str, level: str = "expert", **fields: Any) -> CompetenceOffer:
    return apply(CompetenceOffer(), {"centre": of.slug, "competence": notation, "level": level, **fields},
                 None)


def service(name: str = "", *, centres: tuple[Centre, ...] = (), **fields: Any) -> Service:
    name = name or f"Service {next(_n)}"
    return apply(Service(), {"name": name, "tagline": fields.pop("tagline", f"{name}, for tests"),
                             "centres": [c.slug for c in centres], **fields}, None)


def person(username: str = "", *, curates: tuple[Centre, ...] = (), groups: tuple[str, ...] = ()) -> Any:
    """A signed-up person, curator of ``curates`` and member of the named groups."""
    user = make_user(username or f"person{next(_n)}")
    for c in curates:
        c.curators.add(user)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user
