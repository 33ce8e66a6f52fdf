from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from cchub import privacy_views
from cchub.api import api
from cchub.lib.errors import api_not_found

handler404 = "cchub.lib.errors.not_found"
handler500 = "cchub.lib.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/<path:rest>", api_not_found),
    path("accounts/my-data.json", privacy_views.my_data, name="my-data"),
    path("accounts/erase/", privacy_views.erase_me, name="erase-me"),
    path("accounts/", include("cchub.accounts.urls")),
    path("vocabularies/", include("cchub.registry.vocabulary_urls")),
    path("glossary/", include("cchub.glossary.urls")),
    path("search/", include("cchub.search.urls")),
    path("support/", include("cchub.support.urls")),
    path("training/", include("cchub.training.urls")),
    path("landscape/", include("cchub.landscape.urls")),
    path("onboarding/", include("cchub.onboarding.urls")),
    path("", include("cchub.interop.urls")),
    path("", include("cchub.registry.urls")),
]
