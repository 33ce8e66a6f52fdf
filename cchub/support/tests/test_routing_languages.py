"""The routing defects of the helpdesk review (R1–R8), each as a class: questions in the
network's languages, elisions, the country against expertise, one common word, services and
centres named in the text, learning from referrals and ratings, re-routing on new detail."""

from __future__ import annotations

from typing import Any

import pytest

from cchub.lib import analysis
from cchub.registry.models import Centre, Service
from cchub.support import routing, satisfaction, workflow
from cchub.support.models import Ticket, TicketEvent
from cchub.support.workflow import Submission

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def first(subject: str, body: str = "", **fields: Any) -> list[str]:
    found = routing.route(routing.Question(subject=subject, body=body, **fields), limit=3)
    return [c.acronym for c in found]


@pytest.mark.parametrize(
    "language,subject,body,expected",
    [
        (
            "de",
            "Datenmanagementplan für einen Förderantrag",
            "Ich brauche Hilfe mit meinem Datenmanagementplan.",
            {"KIT", "KUL", "UEDIN", "LSRI-CC"},
        ),
        (
            "es",
            "Acceso abierto",
            "¿Dónde debo depositar mi artículo en acceso abierto según la Ley de la Ciencia?",
            {"UC3M", "OPERAS"},
        ),
        (
            "fr",
            "Format NeXus",
            "Comment convertir nos données de diffraction au format NeXus ?",
            {"PaNOSC-CC"},
        ),
        (
            "it",
            "Risorse GPU",
            "Il nostro gruppo ha bisogno di GPU per addestrare reti neurali su INFN Cloud.",
            {"INFN"},
        ),
        (
            "pl",
            "Dane osobowe w ankietach",
            "Jak chronić dane osobowe respondentów zgodnie z RODO?",
            {"SSHOC-CC", "KUL", "LSRI-CC", "UGOT"},
        ),
        (
            "nl",
            "Burgerwetenschap",
            "We willen vrijwilligers beelden laten classificeren in een burgerwetenschapsproject.",
            {"ESCAPE-CS"},
        ),
    ],
)
def test_a_question_written_entirely_in_another_language_finds_its_centre(
    language: str, subject: str, body: str, expected: set[str]
) -> None:
    assert analysis.detect(f"{subject}\n{body}") == language
    found = first(subject, body)
    assert found and found[0] in expected, found


def test_french_elisions_are_not_words() -> None:
    assert "ai" not in analysis.content_words("J'ai une question sur l'archivage", "fr")
    found = routing.route(
        routing.Question(
            subject="Question", body="J'ai une question sur le dépôt de mes données d'entretiens."
        )
    )
    assert all("artificial intelligence" not in " ".join(c.reasons) for c in found)


def test_the_country_never_outranks_expertise() -> None:
    text = (
        "Cannot upload to the data lake",
        "Uploading to the Rucio data lake fails with an error about replication.",
    )
    assert first(*text, country="IT")[0] in {"ESCAPE-DIOS", "ESCAPE-VRE"}


def test_one_common_word_does_not_make_a_match() -> None:
    spam = routing.route(
        routing.Question(
            subject="Cheap SEO backlinks", body="High quality backlinks for your website at a great price."
        )
    )
    assert not routing.confident(spam)
    assert all("high-performance" not in " ".join(c.reasons) for c in spam)


def test_a_service_named_in_the_text_counts() -> None:
    found = routing.route(
        routing.Question(
            subject="Remote analysis", body="How do I get access to a VISA instance for my experiment?"
        )
    )
    assert found[0].acronym == "PaNOSC-CC"
    assert any("VISA" in r and "names" in r for r in found[0].reasons)
    # "visa" in lower case is a travel document, not the service.
    travel = routing.route(
        routing.Question(
            subject="Visa for a conference", body="I need a visa letter to attend the summer school."
        )
    )
    assert all("VISA" not in " ".join(c.reasons) for c in travel)


def test_a_centre_named_in_the_text_counts() -> None:
    found = routing.route(
        routing.Question(subject="Krajowy magazyn danych", body="Jak korzystać z magazynu danych w PSNC?")
    )
    assert found[0].acronym == "PSNC" and "the question names it" in found[0].reasons


def test_referrals_count_against_a_centre_like_transfers(desk: dict[str, Any]) -> None:
    text = Submission(
        subject="Licence for a Jupyter notebook library",
        body="Should our notebook analysis library, shared with an industrial partner, be GPL or Apache?",
    )
    ticket = workflow.submit(text, desk["researcher"])
    vre = Centre.objects.get(slug="escape-vre")
    ossr = Centre.objects.get(slug="escape-ossr")
    Ticket.objects.filter(pk=ticket.pk).update(centre=ossr, state="solved")
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.REFERRAL, public=False, data={"from": vre.pk})
    routing.changed()
    assert (ossr.pk, [vre.pk], 1.0) in routing.profile().experience
    found = {c.acronym: c for c in routing.route(workflow.question_of(ticket), limit=10)}
    assert any("transferred away" in r for r in found["ESCAPE-VRE"].reasons)


def test_a_low_rating_weakens_what_a_solved_ticket_teaches(desk: dict[str, Any]) -> None:
    question = Submission(
        subject="Beamline HDF5 to NeXus NXtomo",
        body="Converting beamline HDF5 to NeXus with the NXtomo definition.",
    )
    ticket = workflow.submit(question, desk["researcher"])
    Ticket.objects.filter(pk=ticket.pk).update(state="solved", centre=Centre.objects.get(slug="panosc-cc"))
    routing.changed()
    praised = routing.route(workflow.question_of(ticket), limit=1)[0].score
    ticket.refresh_from_db()
    satisfaction.rate(ticket, "no", 1)
    routing.changed()
    assert routing.route(workflow.question_of(ticket), limit=1)[0].score < praised


def test_a_triage_ticket_is_routed_again_when_the_requester_adds_detail(desk: dict[str, Any]) -> None:
    from cchub.support.models import Supporter

    Supporter.objects.create(user=desk["other"], centre=Centre.objects.get(slug="escape-vo"))
    ticket = workflow.submit(Submission(subject="Login problem", body="I cannot log in."), desk["researcher"])
    assert ticket.centre is None
    workflow.reply(
        ticket,
        desk["researcher"],
        "Sorry: my ADQL query to the Gaia TAP service through TOPCAT returns an empty VOTable.",
    )
    ticket.refresh_from_db()
    assert ticket.centre is not None and ticket.centre.slug == "escape-vo"
    assert ticket.events.filter(kind=TicketEvent.ROUTED).count() == 2


def test_services_listed_for_several_centres_are_named_once_each() -> None:
    rucio = Service.objects.filter(name__icontains="Rucio").first()
    assert rucio is not None
    found = routing.route(
        routing.Question(subject="Rucio upload fails", body="RSE not found", service_id=rucio.pk)
    )
    assert {c.acronym for c in found[:2]} == {"ESCAPE-DIOS", "ESCAPE-VRE"}
