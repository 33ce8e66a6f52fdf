from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cchub.history.models import Change
from cchub.registry.models import Centre
from cchub.testing.helpers import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


@pytest.mark.parametrize("model", ["registry/centre", "registry/service", "registry/organisation",
                                   "registry/cluster", "registry/competenceoffer",
                                   "registry/contactpoint", "registry/release", "vocab/concept",
                                   "history/change", "accounts/apitoken"])
def test_admin_lists_render(admin_user: Any, model: str) -> None:
    client = Client()
    client.login(username="root", password=PASSWORD)
    assert client.get(f"/admin/{model}/").status_code == 200
    assert client.get(f"/admin/{model}/?q=a").status_code == 200


def test_admin_save_is_recorded(admin_user: Any, users: dict[str, Any]) -> None:
    client = Client()
    client.login(username="root", password=PASSWORD)
    centre = Centre.objects.get(slug="ut")
    page = client.get(f"/admin/registry/centre/{centre.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in {"logo"}}
    data.update({
        "clusters": [], "hosts": [o.pk for o in centre.hosts.all()],
        "curators": [users["curator_b"].pk], "countries": '["EE"]', "languages": '["et", "en"]',
        "status": "observer", "mou_date": "", "review_state": "approved",
    })
    response = client.post(f"/admin/registry/centre/{centre.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    centre.refresh_from_db()
    assert centre.status == "observer" and centre.slug == "ut"
    change = Change.objects.filter(object_id=str(centre.pk), note="admin").get()
    assert change.changes["status"] == ["member", "observer"] and change.user == admin_user
