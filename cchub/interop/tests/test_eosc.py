"""Centres and services in the EOSC Resource Catalogue's Provider and Service shape, with
what is missing to onboard; private addresses only for the centre's own curators."""

from __future__ import annotations

from typing import Any

import pytest

from cchub.registry.models import Centre, ContactPoint
from cchub.testing import factories
from cchub.testing.helpers import Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network(db: Any) -> None:
    """ESCAPE-VO, UT, and REANA: reached remotely after registration, at TRL 8."""
    vo = factories.centre_named("escape-vo")
    factories.centre("UT", countries=["EE"])
    factories.service("REANA", centres=(vo,), access_types=["remote", "registration"], trl="trl-8")


def test_a_centre_as_an_eosc_provider(api_for: Any) -> None:
    response = Api().get("/api/v1/eosc/providers/escape-vo")
    assert response.status_code == 200
    data = response.json()
    provider = data["provider"]
    assert provider["abbreviation"] == "ESCAPE-VO" and provider["name"]
    assert provider["networks"] == ["provider_network-eosc_competence_centres"]
    assert any(
        i["type"] == "CC Hub" and i["value"].endswith("/centres/escape-vo/")
        for i in provider["alternativeIdentifiers"]
    )
    assert provider["location"]["country"]
    missing = {m["field"]: m["message"] for m in data["missing"]}
    assert "location.streetNameAndNumber" in missing and missing["logo"].startswith("Add a logo")
    assert "name" not in missing and "abbreviation" not in missing


def test_private_addresses_only_for_the_centres_curators(api_for: Any) -> None:
    centre = Centre.objects.get(slug="escape-vo")
    ContactPoint.objects.filter(centre=centre).delete()
    ContactPoint.objects.create(
        centre=centre, name="Ada Lovelace", role="coordinator", email="ada@example.org"
    )
    anonymous = api_for("anonymous").get("/api/v1/eosc/providers/escape-vo").json()
    assert "ada@example.org" not in str(anonymous)
    assert anonymous["provider"]["mainContact"]["lastName"] == "Lovelace"
    assert any(m["field"] == "mainContact.email" for m in anonymous["missing"])
    assert "ada@example.org" not in str(api_for("curator_b").get("/api/v1/eosc/providers/escape-vo").json())
    own = api_for("curator_a").get("/api/v1/eosc/providers/escape-vo").json()
    assert own["provider"]["mainContact"]["email"] == "ada@example.org"
    assert not any(m["field"] == "mainContact.email" for m in own["missing"])


def test_a_service_as_an_eosc_service() -> None:
    data = Api().get("/api/v1/eosc/services/reana").json()
    service = data["service"]
    assert service["name"] and service["resourceOrganisation"]
    assert len(service["accessTypes"]) == 2
    assert all(t.startswith("access_type-") for t in service["accessTypes"])
    assert service["trl"].startswith("trl-") and service["trl"].endswith("8")
    assert any(m["field"] == "securityContactEmail" for m in data["missing"])


def test_unknown_pending_and_listing() -> None:
    assert Api().get("/api/v1/eosc/providers/nope").status_code == 404
    assert Api().get("/api/v1/eosc/services/nope").json()["detail"].startswith("No service")
    Centre.objects.filter(slug="ut").update(review_state=Centre.PENDING)
    assert Api().get("/api/v1/eosc/providers/ut").status_code == 404
    listed = Api().get("/api/v1/eosc/providers").json()["results"]
    assert len(listed) == Centre.objects.public().count()
