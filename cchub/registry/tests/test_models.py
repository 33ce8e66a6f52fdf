from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cchub.lib.text import render_markdown
from cchub.lib.validators import validate_orcid, validate_ror
from cchub.records.writes import RecordInvalid, apply
from cchub.registry.models import Centre, CompetenceOffer, Organisation
from cchub.testing import factories
from cchub.vocab.models import Concept

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network(db: None) -> None:
    """The cluster ESCAPE, the organisation KIT and the centre KIT with one offer."""
    factories.cluster("ESCAPE")
    factories.organisation("KIT", name="Karlsruhe Institute of Technology", country="DE")
    factories.centre("KIT", offers={"dmp": "expert"})


def test_every_competence_cites_a_declared_source() -> None:
    for concept in Concept.objects.filter(scheme__slug="competences").select_related("scheme"):
        assert concept.citation() is not None, concept.notation
    sources = {c.source for c in Concept.objects.filter(scheme__slug="competences")}
    assert {"t4fs", "fair4s", "s4e-mvs", "esco"} <= sources


def test_taxonomy_covers_the_whole_workflow() -> None:
    tops = set(Concept.objects.filter(scheme__slug="competences", broader=None)
               .values_list("notation", flat=True))
    assert {"planning", "fair-data", "repositories", "software", "computing", "analysis-platforms",
            "ai-ml", "domain-standards", "aai", "legal-ethics", "training-design",
            "citizen-science", "open-access"} <= tops
    tap = Concept.objects.get(notation="ivoa-tap-adql")
    assert [a.notation for a in tap.ancestors()] == ["domain-standards", "ivoa-vo"]


@pytest.mark.parametrize("value,ok", [
    ("0000-0002-1825-0097", True), ("https://orcid.org/0000-0002-1825-0097", True),
    ("0000-0002-1825-0098", False), ("1234", False),
])
def test_orcid_checksum(value: str, ok: bool) -> None:
    if ok:
        validate_orcid(value)
    else:
        with pytest.raises(ValidationError):
            validate_orcid(value)


def test_ror_accepts_url_form_and_rejects_garbage() -> None:
    validate_ror("https://ror.org/01ggx4157")
    with pytest.raises(ValidationError):
        validate_ror("not-a-ror")


def test_centre_validation_names_each_field() -> None:
    with pytest.raises(RecordInvalid) as info:
        apply(Centre(), {"acronym": "X", "name": "X", "kind": "galactic",
                         "countries": ["ZZ"], "languages": ["english"],
                         "helpdesk_email": "not-an-address"}, None)
    assert {"kind", "countries", "languages", "helpdesk_email"} <= set(info.value.errors)
    assert not Centre.objects.filter(acronym="X").exists()


def test_unknown_reference_is_reported_and_nothing_written() -> None:
    with pytest.raises(RecordInvalid) as info:
        apply(Centre(), {"acronym": "NEW", "name": "New", "kind": "national",
                         "clusters": ["escape", "nope"]}, None)
    assert "nope" in " ".join(info.value.errors["clusters"])
    assert not Centre.objects.filter(acronym="NEW").exists()


def test_version_goes_up_on_every_save() -> None:
    org = Organisation.objects.get(slug="kit")
    before = org.version
    apply(org, {"website": "https://www.kit.edu/en/"}, None, partial=True)
    org.refresh_from_db()
    assert org.version == before + 1
    assert org.etag.endswith(f'-v{before + 1}"')


def test_skos_labels_must_be_disjoint_and_hierarchy_acyclic() -> None:
    dmp = Concept.objects.get(scheme__slug="competences", notation="dmp")
    dmp.alt_labels = ["Data management planning"]
    with pytest.raises(ValidationError):
        dmp.clean()
    planning = Concept.objects.get(scheme__slug="competences", notation="planning")
    planning.broader = Concept.objects.get(scheme__slug="competences", notation="dmp")
    with pytest.raises(ValidationError):
        planning.clean()


def test_offer_requires_a_competence_concept() -> None:
    centre = Centre.objects.get(slug="kit")
    before = centre.offers.count()
    with pytest.raises(RecordInvalid) as refused:
        apply(CompetenceOffer(), {"centre": "kit", "competence": "trl-9", "level": "expert"}, None)
    assert "competence" in refused.value.errors  # a TRL level is no competence
    assert centre.offers.count() == before


def test_markdown_is_sanitised() -> None:
    html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) "
                           "<img src=x onerror=alert(1)>")
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_plain_text_fields_lose_tags() -> None:
    centre = apply(Centre(), {"acronym": "<b>TAG</b>", "name": "<i>Name</i>", "kind": "national"},
                   None)
    assert centre.acronym == "TAG" and centre.name == "Name"  # type: ignore[attr-defined]
