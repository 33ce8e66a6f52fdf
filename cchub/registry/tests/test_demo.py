"""The demo network keeps what it promises (a smoke test of the data newcomers first see)."""

from __future__ import annotations

import pytest

from cchub.registry.models import Centre, ContactPoint, Service
from cchub.vocab.models import Concept

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def test_demo_network_meets_the_promised_size() -> None:
    assert Centre.objects.public().count() >= 25
    assert Service.objects.count() >= 40
    assert Concept.objects.filter(scheme__slug="competences").count() >= 60
    for centre in Centre.objects.all():
        assert centre.offers.count() >= 3, centre.acronym
    assert set(Centre.objects.values_list("clusters__acronym", flat=True)) >= {
        "ENVRI", "ESCAPE", "LS RI", "PaNOSC", "SSHOC"}


def test_demo_publishes_only_role_addresses() -> None:
    public = ContactPoint.objects.filter(email_public=True)
    assert [c.email for c in public] == ["competence.centre@projectescape.eu"]
    assert not ContactPoint.objects.filter(email_public=False).exclude(email="").exists()
