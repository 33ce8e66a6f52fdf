"""Fixtures shared by every test of the hub: the apps' own (``cchub/<app>/tests/``) and the
whole hub's (``tests/``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cchub.accounts.admins import create_admin
from cchub.records import watch
from cchub.registry.demo import load_demo
from cchub.testing import factories
from cchub.testing.helpers import PASSWORD, Api, make_user, token_for
from cchub.vocab.loading import ensure_builtin_vocabularies


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Every test database has the built-in vocabularies, as ``cchub migrate`` gives a real one."""
    with django_db_blocker.unblock():
        ensure_builtin_vocabularies()
    yield


@pytest.fixture(scope="session")
def demo_network(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The 29-centre demo network, loaded once, for the tests marked ``demo``; they run after
    the tests that build their own data with ``cchub.testing.factories``."""
    with django_db_blocker.unblock():
        report = load_demo()
        assert report.ok, report.problems


@pytest.hookimpl(tryfirst=True)  # before pytest-django's own order (transactional tests last)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``demo`` get the demo network and run after the others (each test's own
    data is rolled back; the demo stays until the session ends)."""
    for item in items:
        if item.get_closest_marker("demo") is not None:
            item.fixturenames.insert(0, "demo_network")  # type: ignore[attr-defined]
    items.sort(key=lambda item: item.get_closest_marker("demo") is not None)


@pytest.fixture
def admin_user(db: Any) -> Any:
    return create_admin("root", "root@example.org", PASSWORD)


@pytest.fixture
def users(db: Any, admin_user: Any) -> dict[str, Any]:
    """anonymous, a registered user, curators of ESCAPE-VO and of KIT, an administrator."""
    with watch.batch():
        vo, kit = factories.centre_named("escape-vo"), factories.centre_named("kit")
    return {
        "anonymous": None,
        "registered": make_user("reader"),
        "curator_a": factories.person("vo-curator", curates=(vo,)),
        "curator_b": factories.person("kit-curator", curates=(kit,)),
        "admin": admin_user,
    }


@pytest.fixture
def api_for(users: dict[str, Any]) -> Any:
    def build(role: str) -> Api:
        user = users[role]
        return Api(token_for(user) if user is not None else None)

    return build


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk(db: Any, admin_user: Any) -> dict[str, Any]:
    """People of the helpdesk: a researcher, supporters of ESCAPE-VO (one a lead) and of
    KIT, a triager, an administrator and an unrelated registered user."""
    from django.contrib.auth.models import Group

    from cchub.support.models import Supporter
    from cchub.support.permissions import TRIAGE_GROUP

    people = {name: make_user(name) for name in ("researcher", "vo", "vo_lead", "kit", "triager", "other")}
    with watch.batch():
        vo, kit = factories.centre_named("escape-vo"), factories.centre_named("kit")
    Supporter.objects.create(user=people["vo"], centre=vo)
    Supporter.objects.create(user=people["vo_lead"], centre=vo, is_lead=True)
    Supporter.objects.create(user=people["kit"], centre=kit)
    people["triager"].groups.add(Group.objects.get_or_create(name=TRIAGE_GROUP)[0])
    people["admin"] = admin_user
    return people


@pytest.fixture(autouse=True)
def fresh_routing_profile() -> Iterator[None]:
    """Each test rolls its data back, which no signal reports: start each with no cached
    routing profile or load."""
    from cchub.support import routing

    routing._cache.clear()
    routing._load.clear()
    yield
    routing._cache.clear()
    routing._load.clear()


@pytest.fixture
def onboarding(db: Any, admin_user: Any) -> dict[str, Any]:
    """A funded project of ESCAPE mentored by ESCAPE-OSSR: its team (lead and member), the
    mentor, a curator of the mentor centre, a community curator, an outsider, and one
    software output in draft."""
    import datetime as dt

    from django.contrib.auth.models import Group

    from cchub.onboarding.models import Call, Output, Project, ProjectMember
    from cchub.onboarding.workflow import CURATOR_GROUP

    people = {name: make_user(name) for name in ("lead", "member", "mentor", "community", "outsider")}
    ossr = factories.centre_named("escape-ossr")
    people["ossr_curator"] = factories.person("ossr-curator", curates=(ossr,))
    people["community"].groups.add(Group.objects.get_or_create(name=CURATOR_GROUP)[0])
    call = Call.objects.create(slug="oscars-1", name="OSCARS open call 1", programme="OSCARS",
                               opens=dt.date(2025, 3, 1), closes=dt.date(2025, 5, 15))
    project = Project.objects.create(
        slug="gammalite", call=call, title="Gamma-ray analysis made light", acronym="GAMMALITE",
        grant_id="101129751", cluster=factories.cluster("ESCAPE"),
        mentor_centre=ossr, mentor=people["mentor"], community="escape2020",
    )
    ProjectMember.objects.create(project=project, user=people["lead"], role=ProjectMember.LEAD)
    ProjectMember.objects.create(project=project, user=people["member"])
    output = Output.objects.create(project=project, kind="software", title="gammapy-lite")
    return {**people, "admin": admin_user, "call": call, "project": project, "output": output}
