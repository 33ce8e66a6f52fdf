"""How the registry's records (and the vocabularies' concepts) go through the write path:
the fields each takes, the references it resolves by natural key, what is plain text and
where a new slug comes from (see ``records.writes``)."""

from __future__ import annotations

from django.db import models

from cchub.records.writes import Ref, Spec
from cchub.registry.models import (
    ACCESS_TYPES,
    COMPETENCES,
    DOMAINS,
    SERVICE_CATEGORIES,
    TARGET_USERS,
    TRL,
    Centre,
    Cluster,
    CompetenceOffer,
    ContactPoint,
    Organisation,
    Service,
)
from cchub.vocab.models import Concept, ConceptScheme

CENTRE_REF = Ref(Centre, "slug")
SPECS: dict[type[models.Model], Spec] = {
    Cluster: Spec(
        fields=("slug", "acronym", "name", "domain", "description", "website", "position"),
        plain_text=("acronym", "name", "domain"),
        slug_from=("acronym",),
    ),
    Organisation: Spec(
        fields=("slug", "name", "acronym", "country", "ror_id", "website"),
        plain_text=("name", "acronym"),
        slug_from=("acronym", "name"),
    ),
    Centre: Spec(
        fields=(
            "slug", "acronym", "name", "kind", "countries", "website", "helpdesk_email",
            "languages", "description", "status", "mou_date", "review_state", "decision_note",
        ),
        m2m={"clusters": Ref(Cluster, "slug"), "hosts": Ref(Organisation, "slug")},
        plain_text=("acronym", "name"),
        slug_from=("acronym",),
        children=("offers", "contacts"),
    ),
    ContactPoint: Spec(
        fields=("name", "role", "orcid", "email", "email_public", "position"),
        fk={"centre": CENTRE_REF},
        plain_text=("name", "role"),
    ),
    Service: Spec(
        fields=(
            "slug", "name", "tagline", "description", "url", "standards", "helpdesk_email",
            "helpdesk_url", "terms_url",
        ),
        fk={"trl": Ref(Concept, "notation", TRL)},
        m2m={
            "centres": CENTRE_REF,
            "categories": Ref(Concept, "notation", SERVICE_CATEGORIES),
            "domains": Ref(Concept, "notation", DOMAINS),
            "access_types": Ref(Concept, "notation", ACCESS_TYPES),
            "target_users": Ref(Concept, "notation", TARGET_USERS),
        },
        plain_text=("name", "tagline"),
        slug_from=("name",),
    ),
    Concept: Spec(
        fields=(
            "notation", "pref_label", "alt_labels", "hidden_labels", "definition", "source",
            "source_iri", "source_note", "position",
        ),
        fk={"scheme": Ref(ConceptScheme, "slug"), "broader": Ref(Concept, "notation", COMPETENCES)},
        plain_text=("pref_label",),
    ),
    CompetenceOffer: Spec(
        fields=("level", "evidence_url", "evidence_note"),
        fk={
            "centre": CENTRE_REF,
            "competence": Ref(Concept, "notation", COMPETENCES),
            "evidence_service": Ref(Service, "slug"),
        },
        plain_text=("evidence_note",),
    ),
}
