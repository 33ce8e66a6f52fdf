"""The landscape's numbers against a small network counted by hand, and its pages, charts,
report (HTML, PDF text, CSV) and command.

The network (built here, without the demo):

| centre | clusters | countries | state | offers |
|---|---|---|---|---|
| AAA | ESCAPE | IT | member | dmp expert, fair-principles training, data-deposit referral |
| BBB | ESCAPE | IT FR | member | dmp hands-on and referral (once, hands-on), software-publication expert |
| CCC | SSHOC | FR | candidate | data-deposit referral |
| PPP | — | DE | pending | hpc expert (not public: never counted) |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cchub.landscape import coverage, gaps, kpis, report
from cchub.records.writes import apply
from cchub.registry.models import Centre, CompetenceOffer
from cchub.testing import factories

pytestmark = pytest.mark.django_db
NOW = timezone.now()
TODAY = timezone.localdate()  # the hub's day (Europe/Brussels), not UTC's: near midnight they differ
PERIOD = kpis.period(TODAY - dt.timedelta(days=89), TODAY)  # ninety days up to today


def offer(centre: str, competence: str, level: str) -> None:
    apply(CompetenceOffer(), {"centre": centre, "competence": competence, "level": level}, None)


def at(obj: Any, **stamps: dt.datetime) -> None:
    type(obj).objects.filter(pk=obj.pk).update(**stamps)


@pytest.fixture
def network(db: Any) -> dict[str, Any]:
    from cchub.search.models import ZeroResultQuery
    from cchub.support.models import Ticket, TicketEvent
    from cchub.training.models import Event
    from cchub.vocab.models import Concept

    for acronym in ("ENVRI", "ESCAPE", "SSHOC"):  # ENVRI: a cluster with no centre yet
        factories.cluster(acronym)
    made = {}
    for acronym, clusters, countries, status, state in (
        ("AAA", ["escape"], ["IT"], "member", Centre.APPROVED),
        ("BBB", ["escape"], ["IT", "FR"], "member", Centre.APPROVED),
        ("CCC", ["sshoc"], ["FR"], "candidate", Centre.APPROVED),
        ("PPP", [], ["DE"], "member", Centre.PENDING),
    ):
        made[acronym] = apply(Centre(), {
            "acronym": acronym, "name": f"Centre {acronym}", "kind": "national", "clusters": clusters,
            "countries": countries, "status": status, "review_state": state,
        }, None)  # fmt: skip
    for centre, competence, level in (
        ("aaa", "dmp", "expert"), ("aaa", "fair-principles", "training"), ("aaa", "data-deposit", "referral"),
        ("bbb", "dmp", "hands-on"), ("bbb", "dmp", "referral"), ("bbb", "software-publication", "expert"),
        ("ccc", "data-deposit", "referral"), ("ppp", "hpc", "expert"),
    ):  # fmt: skip
        offer(centre, competence, level)
    at(made["CCC"], created_at=NOW - dt.timedelta(days=10))  # joined during the period
    at(made["AAA"], created_at=NOW - dt.timedelta(days=400))
    at(made["BBB"], created_at=NOW - dt.timedelta(days=400))
    # Demand: 3 helpdesk questions in the planning stage, 5 searches for DMPs and 2 for HPC training
    planning = Concept.objects.get(scheme__slug="competences", notation="planning")
    day = NOW - dt.timedelta(days=5)
    tickets = []
    for n in range(4):
        ticket = Ticket.objects.create(subject=f"Q{n}", body="?", requester_email="r@example.org",
                                       stage=planning if n < 3 else None, centre=made["AAA"])  # fmt: skip
        tickets.append(ticket)
    at(tickets[0], created_at=day, first_response_at=day + dt.timedelta(hours=2),
       solved_at=day + dt.timedelta(hours=10))  # fmt: skip
    at(tickets[1], created_at=day, first_response_at=day + dt.timedelta(hours=4),
       solved_at=day + dt.timedelta(hours=20))  # fmt: skip
    at(tickets[2], created_at=day)
    at(tickets[3], created_at=day)
    earlier = Ticket.objects.create(subject="old", body="?", requester_email="r@example.org")
    at(earlier, created_at=NOW - dt.timedelta(days=120))  # in the period before
    breach = {"clock": "resolution", "state": "breached"}
    TicketEvent.objects.create(ticket=tickets[0], kind=TicketEvent.SLA, data=breach)
    TicketEvent.objects.create(
        ticket=tickets[0], kind=TicketEvent.SLA, data={"clock": "x", "state": "warning"}
    )
    for t in tickets[:2]:
        TicketEvent.objects.create(ticket=t, kind=TicketEvent.TRANSFER, body="better placed")
    for query in ["DMP template"] * 5:
        ZeroResultQuery.objects.create(query=query, doc_types=[], filters={})
    for query in ["supercomputing course", "HPC workshop"]:
        ZeroResultQuery.objects.create(query=query, doc_types=["event"], filters={})
    # Training: 2 delivered in the period, 1 before it, 3 planned
    for n, (start, days) in enumerate([(-20, 1), (-30, 2), (-100, 1), (10, 1), (20, 1), (40, 2)]):
        begins = NOW + dt.timedelta(days=start)
        Event.objects.create(
            slug=f"e{n}", title=f"Event {n}", start=begins, end=begins + dt.timedelta(days=days)
        )
    return made


# ----------------------------------------------------------------------- the numbers


def test_coverage_by_cluster_counted_by_hand(network: Any) -> None:
    m = coverage.live("cluster")
    dmp = m.row("dmp")
    assert dmp.total.count == 2 and dict(dmp.total.levels) == {"expert": 1, "hands-on": 1}
    assert dmp.cells["escape"].count == 2 and "sshoc" not in dmp.cells
    assert m.row("planning").total.count == 2  # the area: what is offered in it
    assert dict(m.row("data-deposit").total.levels) == {"referral": 2}
    assert m.row("data-deposit").cells["sshoc"].centres == {"CCC"}
    assert m.row("hpc").total.count == 0  # PPP is pending
    assert m.column_totals == {"escape": 2, "sshoc": 1}


def test_coverage_by_country_and_filters(network: Any) -> None:
    m = coverage.live("country")
    assert [k for k, _ in m.columns] == ["FR", "IT"]
    assert m.row("dmp").cells["IT"].count == 2 and m.row("dmp").cells["FR"].centres == {"BBB"}
    members = coverage.live("cluster", status="member")
    assert members.row("data-deposit").total.centres == {"AAA"}
    assert coverage.live("cluster", kind="thematic").row("dmp").total.count == 0


def test_demand_counted_by_hand(network: Any) -> None:
    asked = gaps.demand(PERIOD.start, PERIOD.end)
    assert asked["planning"].tickets == 3
    assert asked["dmp"].searches == 5 and asked["dmp"].examples == ["DMP template"]
    assert asked["hpc"].training == 2 and asked["hpc"].searches == 0


def test_gaps_ranked_with_their_evidence(network: Any) -> None:
    found = gaps.analyse(PERIOD.start, PERIOD.end)
    by = {(g.kind, g.notation, g.where): g for g in found}
    hpc = by[("uncovered", "hpc", "")]
    assert "No centre offers" in hpc.evidence and "2 searches for training that found nothing" in hpc.evidence
    assert by[("single", "fair-principles", "")].evidence.startswith("Only AAA offers")
    assert by[("single", "software-publication", "")].figures == {"centres": 1, "demand": 0}
    referral = by[("referral", "data-deposit", "")]
    assert "only as referral, by AAA, CCC" in referral.evidence
    dmp = by[("demand", "dmp", "")]
    assert dmp.figures == {"centres": 2, "demand": 5, "supply": 2.0, "ratio": 2.5}
    assert ("demand", "planning", "") not in by  # 3 questions for 2 centres: 1.5, under the threshold
    missing = by[("stage", "planning", "SSHOC")]
    assert "None of the 1 centre of SSHOC" in missing.evidence
    assert ("stage", "planning", "ESCAPE") not in by and ("stage", "planning", "Italy") not in by
    assert found[0].kind == "uncovered" and found[0].notation == "hpc"  # the pressing one first
    assert found.index(hpc) < found.index(by[("uncovered", "ai-ml", "")])  # demand raises it
    assert all(g.recommendation for g in found)


def test_figures_and_trends_counted_by_hand(network: Any) -> None:
    board = kpis.dashboard(PERIOD)
    f = board.figures
    assert (f["centres"].value, f["centres"].previous) == (3, 2) and f["centres"].trend == "up 1 (better)"
    assert f["tickets_opened"].value == 4 and f["tickets_opened"].previous == 1
    assert f["tickets_solved"].value == 2
    assert f["first_response"].value == 3.0 and f["resolution"].value == 15.0
    assert f["first_response"].trend == "no earlier figure"
    assert f["sla_breaches"].value == 1 and f["transfers"].value == 2
    assert f["training_delivered"].value == 2 and f["training_delivered"].previous == 1
    assert f["training_planned"].value == 3
    assert dict(board.breakdowns["cluster"]) == {"ESCAPE": 2, "SSHOC": 1}
    assert dict(board.breakdowns["status"]) == {"Member": 2, "Candidate": 1}
    assert board.by_country == {"IT": 2, "FR": 2}
    month = (NOW - dt.timedelta(days=5)).strftime("%Y-%m")
    assert dict(board.series["tickets"])[month]["opened"] == 4


def test_two_releases_compared(network: Any) -> None:
    from cchub.registry.releases import publish_release

    first = publish_release("r1", "before", "", None)
    offer("ccc", "hpc", "expert")
    CompetenceOffer.objects.filter(centre__acronym="CCC", competence__notation="data-deposit").delete()
    CompetenceOffer.objects.filter(centre__acronym="AAA", competence__notation="fair-principles").update(
        level="expert"
    )
    second = publish_release("r2", "after", "", None)
    changes = {c.notation: c for c in coverage.compare(first.snapshot, second.snapshot)}
    assert changes["hpc"].verdict == "added" and changes["hpc"].gained == ["CCC"]
    assert changes["data-deposit"].verdict == "weakened" and changes["data-deposit"].lost == ["CCC"]
    assert changes["fair-principles"].verdict == "strengthened" and changes["fair-principles"].stronger == [
        "AAA"
    ]
    assert changes["dmp"].verdict == "unchanged"
    page = Client().get("/landscape/compare/", {"old": "r1", "new": "r2"}).content.decode()
    assert "High-performance computing" in page and "added" in page and "strengthened" in page


# ----------------------------------------------------------------------- pages, charts, report


def test_pages_answer_and_link_to_the_centres(network: Any) -> None:
    client = Client()
    dashboard = client.get("/landscape/")
    assert dashboard.status_code == 200 and b"Questions asked" in dashboard.content
    matrix = client.get("/landscape/coverage/").content.decode()
    assert 'href="/centres/?competence=dmp&amp;cluster=escape"' in matrix and "1E 1H" in matrix
    by_country = client.get("/landscape/coverage/?by=country&status=member").content.decode()
    assert "/centres/?competence=dmp&amp;country=IT&amp;status=member" in by_country
    gap_page = client.get("/landscape/gaps/?gap=single").content.decode()
    assert "Only AAA offers" in gap_page and "Not offered" not in gap_page.split("<ol")[1]
    bad = client.get("/landscape/gaps/?from=2026-02-30")
    assert bad.status_code == 200 and "is not a date" in bad.content.decode()
    rows = list(csv.reader(io.StringIO(client.get("/landscape/coverage/?format=csv").content.decode())))
    dmp = next(r for r in rows if r[2] == "dmp")
    assert dmp[3] == "2" and rows[0][4:6] == ["ENVRI", "ESCAPE"]


def test_every_chart_and_its_data(network: Any) -> None:
    client = Client()
    for name in report.CHARTS:
        svg = client.get(f"/landscape/charts/{name}.svg")
        assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
        assert client.get(f"/landscape/charts/{name}.csv")["Content-Type"].startswith("text/csv")
    cluster = client.get("/landscape/charts/cluster.csv").content.decode().splitlines()
    assert cluster == ["cluster,centres", "ESCAPE,2", "SSHOC,1"]
    picture = client.get("/landscape/charts/map.png")
    assert picture["Content-Type"] == "image/png" and picture.content[:4] == b"\x89PNG"
    assert "Italy,2" in client.get("/landscape/charts/map.csv").content.decode()
    assert client.get("/landscape/charts/nope.svg").status_code == 404


def test_the_report_in_three_formats(network: Any) -> None:
    from pypdf import PdfReader

    client = Client()
    span = {"from": PERIOD.start.date().isoformat(), "to": TODAY.isoformat()}
    page = client.get("/landscape/report/", span).content.decode()
    assert "4. Gaps and recommendations" in page and "Questions asked: 4" in page
    pdf = client.get("/landscape/report/", {**span, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "1. Method", "Centres: 3", "Questions asked: 4", "median first response: 3 h",
        "median time to solve: 15 h",
        "tickets past a service level: 1", "transfers between centres: 2",
        "Training events delivered in the period: 2", "Only AAA offers", "Annex B. Centres",
    ):  # fmt: skip
        assert expected in text, expected
    archive = zipfile.ZipFile(io.BytesIO(client.get("/landscape/report/", {**span, "format": "csv"}).content))
    assert {"coverage.csv", "gaps.csv", "centres.csv", "figures.csv", "tickets.csv"} <= set(
        archive.namelist()
    )
    centres = list(csv.reader(io.StringIO(archive.read("centres.csv").decode())))
    assert [r[0] for r in centres[1:]] == ["AAA", "BBB", "CCC"]


def test_the_report_command(network: Any, tmp_path: Path, capsys: Any) -> None:
    from cchub.cli import main

    out = tmp_path / "r.pdf"
    assert (
        main(["report", "--from", PERIOD.start.date().isoformat(), "--format", "pdf", "--output", str(out)])
        == 0
    )
    assert out.read_bytes()[:5] == b"%PDF-" and "3 centres" in capsys.readouterr().out
    assert main(["report", "--from", "2026-13-01"]) == 2
    assert main(["report", "--from", "2026-05-01", "--to", "2026-04-01"]) == 2
