"""The EOSC glossary: demo terms, SKOS export and its integrity, content negotiation,
the Task Force's workflow, competing definitions, SKOS import, and discoverability."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rdflib import RDF, Graph
from rdflib.namespace import SKOS

from cchub.glossary import skos, workflow
from cchub.glossary.demo import load_glossary
from cchub.glossary.models import Term
from cchub.testing.helpers import PASSWORD, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


@pytest.fixture
def terms(db: Any) -> dict[str, int]:
    return load_glossary()


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_demo_glossary_exports_as_valid_skos(terms: dict[str, int]) -> None:
    assert terms["terms"] >= 60 and terms["variants"] == 2
    for name, (rdf_format, _, _) in skos.FORMATS.items():
        g = Graph().parse(data=skos.serialise(skos.graph(), name), format=rdf_format)
        assert len(set(g.subjects(RDF.type, SKOS.Concept))) == terms["terms"], name
        assert skos.integrity_problems(g) == [], name
    assert load_glossary()["terms"] == terms["terms"]  # idempotent
    assert Term.objects.count() == terms["terms"]


def test_integrity_checks_catch_what_skos_forbids() -> None:
    g = Graph().parse(
        format="turtle",
        data="""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <http://x/a> a skos:Concept ; skos:prefLabel "A"@en, "Another A"@en .
        <http://x/b> a skos:Concept ; skos:prefLabel "B"@en ; skos:altLabel "B"@en .
        <http://x/c> a skos:Concept .
    """,
    )
    problems = " ".join(skos.integrity_problems(g))
    assert "2 skos:prefLabel in language 'en'" in problems
    assert "'B'@en is both prefLabel and altLabel" in problems
    assert "http://x/c: no skos:prefLabel" in problems


def test_term_page_negotiates_html_and_rdf(terms: dict[str, int]) -> None:
    client = Client()
    html = client.get("/glossary/table-access-protocol")
    assert html.status_code == 200 and "text/html" in html["Content-Type"] and "Accept" in html["Vary"]
    assert "Table Access Protocol" in html.content.decode()
    for accept, rdf_format in (
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ):
        response = client.get("/glossary/table-access-protocol", headers={"Accept": accept})
        assert response.status_code == 200 and response["Content-Type"].startswith(accept)
        g = Graph().parse(data=response.content, format=rdf_format)
        labels = {str(x) for x in g.objects(None, SKOS.altLabel)}
        assert "TAP" in labels
    assert client.get("/glossary/table-access-protocol?format=ttl")["Content-Type"].startswith("text/turtle")
    assert client.get("/glossary/table-access-protocol?format=pdf").status_code == 406
    assert client.get("/glossary/skos.ttl")["Content-Disposition"].endswith('eosc-glossary.ttl"')
    assert client.get("/glossary/skos.docx").status_code == 404


def test_translations_and_competing_definitions_are_shown(terms: dict[str, int]) -> None:
    page = Client().get("/glossary/competence-centre").content.decode()
    assert "How the clusters define it" in page and "ESCAPE" in page and "SSHOC" in page
    assert "centre de compétences" in page
    g = Graph().parse(data=skos.serialise(skos.graph(), "turtle"), format="turtle")
    fr = [x for x in g.objects(None, SKOS.prefLabel) if getattr(x, "language", None) == "fr"]
    assert any(str(x) == "centre de compétences" for x in fr)


def test_workflow_from_proposal_to_deprecation(terms: dict[str, int], admin_user: Any) -> None:
    proposer, reviewer, outsider = make_user("proposer"), make_user("reviewer"), make_user("outsider")
    reviewer.groups.add(Group.objects.get(name=workflow.REVIEWER_GROUP))
    term = workflow.propose(
        proposer,
        {"pref_label": "Data lakehouse", "definition": "A data lake with tables.", "acronyms": "DLH"},
    )
    assert term.status == Term.PROPOSED and term.acronyms == ["DLH"]
    assert Client().get(term.get_absolute_url()).status_code == 404  # not public yet
    with pytest.raises(workflow.GlossaryError):
        workflow.edit(outsider, term, {"definition": "mine"})
    with pytest.raises(workflow.GlossaryError) as exc:
        workflow.submit(proposer, term, ["nobody-by-that-name"])
    assert exc.value.field == "reviewers"
    workflow.submit(proposer, term, ["reviewer"])
    with pytest.raises(workflow.GlossaryError):
        workflow.decide(outsider, term, True, "looks fine")
    with pytest.raises(workflow.GlossaryError) as exc:
        workflow.decide(reviewer, term, True, "  ")
    assert exc.value.field == "decision"
    workflow.decide(reviewer, term, False, "Define 'tables' more precisely.")
    assert term.status == Term.PROPOSED and term.comments.filter(action="sent back").exists()
    workflow.edit(proposer, term, {"definition": "A data lake that also offers transactional tables."})
    workflow.submit(proposer, term, [])
    workflow.decide(reviewer, term, True, "Clear now.")
    term.refresh_from_db()
    assert term.status == Term.APPROVED and term.decided_by == reviewer and term.decision == "Clear now."
    assert Client().get(term.get_absolute_url()).status_code == 200
    with pytest.raises(workflow.GlossaryError):
        workflow.deprecate(reviewer, term, "data-lake", "merged")  # reviewers do not deprecate
    with pytest.raises(workflow.GlossaryError) as exc:
        workflow.deprecate(admin_user, term, "no-such-term", "merged")
    assert exc.value.field == "replaced_by"
    workflow.deprecate(admin_user, term, "data-lake", "Merged into data lake.")
    term.refresh_from_db()
    assert term.status == Term.DEPRECATED and term.replaced_by.slug == "data-lake"
    g = Graph().parse(data=skos.serialise(skos.graph(), "turtle"), format="turtle")
    assert (None, None, None) in g and "isReplacedBy" in skos.serialise(skos.graph(), "turtle").decode()
    with pytest.raises(workflow.GlossaryError) as exc:
        workflow.decide(reviewer, term, True, "again")
    assert exc.value.status in (403, 409)
    from cchub.history.recorder import history_for

    assert history_for(term).count() >= 5


def test_pages_propose_comment_and_decide(terms: dict[str, int]) -> None:
    proposer, reviewer = make_user("proposer"), make_user("reviewer")
    reviewer.groups.add(Group.objects.get(name=workflow.REVIEWER_GROUP))
    client = login(proposer)
    response = client.post("/glossary/propose/", {"pref_label": "Data spaces", "definition": "Shared data."})
    assert response.status_code == 302
    term = Term.objects.get(pref_label="Data spaces")
    assert client.post("/glossary/propose/", {"pref_label": "", "definition": ""}).status_code == 400
    client.post(f"/glossary/{term.slug}/comment/", {"body": "Should cite the Data Act."})
    client.post(f"/glossary/{term.slug}/submit/", {"reviewers": "reviewer"})
    login(reviewer).post(f"/glossary/{term.slug}/approve/", {"decision": "Adopted."})
    term.refresh_from_db()
    assert term.status == Term.APPROVED and term.comments.count() == 2
    page = Client().get("/glossary/").content.decode()
    assert "Data spaces" in page and 'href="#letter-D"' in page
    assert Client().post(f"/glossary/{term.slug}/comment/", {"body": "x"}).status_code == 302  # to sign in
    assert term.comments.count() == 2


def test_import_merges_by_uri_with_a_dry_run(terms: dict[str, int]) -> None:
    exported = skos.serialise(skos.graph(), "turtle")
    same = skos.import_skos("glossary.ttl", exported, None, dry_run=True)
    assert same.ok and not same.added and not same.updated and len(same.unchanged) == terms["terms"]
    incoming = f"""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://vocab.example.org/fair-digital-object> a skos:Concept ;
            skos:prefLabel "FAIR Digital Object"@en ; skos:prefLabel "objet numérique FAIR"@fr ;
            skos:altLabel "FDO"@en ; skos:definition "A digital object with a PID and typed metadata."@en ;
            skos:related <{skos.base()}fair-principles> .
        <{skos.base()}fair-principles> a skos:Concept ; skos:prefLabel "FAIR principles"@en ;
            skos:definition "Principles for Findable, Accessible, Interoperable, Reusable data."@en .
    """.encode()
    preview = skos.import_skos("new.ttl", incoming, None, dry_run=True)
    assert preview.ok and len(preview.added) == 1 and len(preview.updated) == 1
    assert not Term.objects.filter(pref_label="FAIR Digital Object").exists()  # a dry run writes nothing
    done = skos.import_skos("new.ttl", incoming, None, dry_run=False)
    assert done.ok and "were added" in done.summary()
    fdo = Term.objects.get(uri="https://vocab.example.org/fair-digital-object")
    assert fdo.alt_labels == ["FDO"] and fdo.translations["fr"]["pref_label"] == "objet numérique FAIR"
    assert fdo.related.filter(slug="fair-principles").exists()
    assert Term.objects.get(slug="fair-principles").definition.startswith("Principles for Findable")


@pytest.mark.parametrize(
    "name,content,message",
    [
        (
            "two.ttl",
            b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> . <http://x/a> a skos:Concept ; "
            b'skos:prefLabel "A"@en, "B"@en ; skos:definition "d"@en .',
            "2 skos:prefLabel in language 'en'",
        ),
        (
            "broken.ttl",
            b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<http://x/a> a skos:Concept ;\n"
            b'  skos:prefLabel "A"@en ;;; oops',
            "not readable as RDF: at line 3",
        ),
        ("bad.jsonld", b"{not json", "not readable as RDF"),
        ("empty.ttl", b"", "no skos:Concept"),
        (
            "nodef.ttl",
            b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> . <http://x/a> a skos:Concept ; "
            b'skos:prefLabel "A"@en .',
            "no English (or untagged) skos:definition",
        ),
    ],
)
def test_bad_skos_files_are_reported_and_nothing_is_written(
    terms: dict[str, int], name: str, content: bytes, message: str
) -> None:
    report = skos.import_skos(name, content, None, dry_run=False)
    assert not report.ok and message in " ".join(report.problems)
    assert "nothing was written" in report.summary()
    assert Term.objects.count() == terms["terms"]


def test_terms_are_marked_in_descriptions_and_searchable(terms: dict[str, int]) -> None:
    from cchub.search.query import search

    page = Client().get("/centres/escape-vo/").content.decode()
    assert 'class="term" href="/glossary/' in page
    assert search("ADQL", types=["term"]).hits[0].url == "/glossary/astronomical-data-query-language"
    assert "/glossary/data-management-plan" in [h.url for h in search("DMP", types=["term"]).hits[:2]]


def test_cli_import(terms: dict[str, int], tmp_path: Any, capsys: Any) -> None:
    from cchub.cli import main as cli

    path = tmp_path / "g.ttl"
    path.write_bytes(skos.serialise(skos.graph(), "turtle"))
    assert cli(["glossary-import", str(path), "--dry-run"]) == 0
    assert f"{terms['terms']} unchanged" in capsys.readouterr().out
    path.write_bytes(b"@prefix broken")
    assert cli(["glossary-import", str(path)]) == 1


def test_terms_are_marked_in_training_and_articles(terms: dict[str, int]) -> None:
    from cchub.training.demo import load

    load()
    page = Client().get("/training/events/adql-and-tap-with-gaia/").content.decode()
    assert 'class="term" href="/glossary/astronomical-data-query-language"' in page


def test_translations_are_edited_on_the_page(terms: dict[str, int], admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    form = client.get("/glossary/open-science/edit/").content.decode()
    assert "fr: science ouverte |" in form
    base = {
        "pref_label": "Open science",
        "definition": "Research shared openly.",
        "translations": "fr: science ouverte | Recherche partagée.\nit: scienza aperta | Ricerca condivisa.",
    }
    assert client.post("/glossary/open-science/edit/", base).status_code == 302
    term = Term.objects.get(slug="open-science")
    assert term.translations["it"] == {"pref_label": "scienza aperta", "definition": "Ricerca condivisa."}
    bad = client.post("/glossary/open-science/edit/", {**base, "translations": "just a label"})
    assert bad.status_code == 400 and "Line 1" in bad.content.decode()
    assert Term.objects.get(slug="open-science").translations["it"]["pref_label"] == "scienza aperta"


def test_nobody_reviews_their_own_term_and_reviewers_hold_the_role(terms: dict[str, int]) -> None:
    """The review's H3: a proposer who names themselves, a stranger or an editor-proposer."""
    from cchub.testing.helpers import Api, token_for

    proposer, stranger = make_user("self-approver"), make_user("stranger")
    reviewer = make_user("true-reviewer")
    reviewer.groups.add(Group.objects.get(name=workflow.REVIEWER_GROUP))
    api = Api(token_for(proposer))
    slug = api.send("post", "/api/v1/glossary/terms",
                    {"pref_label": "Zebra data", "definition": "Striped data."}).json()["slug"]
    for names, wrong in ((["self-approver"], "own term"), (["stranger"], "Not glossary reviewers")):
        refused = api.send("post", f"/api/v1/glossary/terms/{slug}/submit", {"reviewers": names})
        assert refused.status_code == 400 and wrong in refused.json()["detail"], refused.json()
    assert api.send("post", f"/api/v1/glossary/terms/{slug}/submit", {"reviewers": ["true-reviewer"]}
                    ).status_code == 200
    assert api.send("post", f"/api/v1/glossary/terms/{slug}/approve", {"decision": "mine"}).status_code == 403
    assert Term.objects.get(slug=slug).status == Term.IN_REVIEW
    # Even an editor may not approve a term they proposed themselves.
    editor = make_user("editor-proposer")
    editor.groups.add(Group.objects.get(name=workflow.EDITOR_GROUP))
    own = workflow.propose(editor, {"pref_label": "Own term", "definition": "Mine."})
    workflow.submit(editor, own, ["true-reviewer"])
    with pytest.raises(workflow.GlossaryError) as refused_editor:
        workflow.decide(editor, own, True, "fine by me")
    assert refused_editor.value.status == 403
    assert not workflow.may_review(stranger, Term.objects.get(slug=slug))
    workflow.decide(reviewer, Term.objects.get(slug=slug), True, "Adopted.")
    assert Term.objects.get(slug=slug).status == Term.APPROVED


def test_role_groups_exist_after_migrate() -> None:
    from cchub.accounts.permissions import ADMIN_GROUP
    from cchub.onboarding.workflow import CURATOR_GROUP
    from cchub.support.permissions import TRIAGE_GROUP

    names = {ADMIN_GROUP, TRIAGE_GROUP, workflow.EDITOR_GROUP, workflow.REVIEWER_GROUP, CURATOR_GROUP}
    assert set(Group.objects.filter(name__in=names).values_list("name", flat=True)) == names
