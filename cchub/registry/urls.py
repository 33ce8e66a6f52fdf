from __future__ import annotations

from django.urls import path

from cchub.registry.views import centres, home, imports, network, releases, services

app_name = "registry"

urlpatterns = [
    path("", home.home, name="home"),
    path("centres/", centres.centre_list, name="centres"),
    path("centres/propose/", centres.centre_propose, name="propose"),
    path("centres/pending/", centres.pending_centres, name="pending"),
    path("centres/<slug:slug>/", centres.centre_detail, name="centre"),
    path("centres/<slug:slug>/edit/", centres.centre_edit, name="centre-edit"),
    path("centres/<slug:slug>/history/", centres.centre_history, name="centre-history"),
    path("centres/<slug:slug>/decide/", centres.centre_decide, name="centre-decide"),
    path("centres/<slug:slug>/offers/add/", centres.offer_form, name="offer-add"),
    path("centres/<slug:slug>/offers/<int:pk>/", centres.offer_form, name="offer-edit"),
    path("centres/<slug:slug>/contacts/add/", centres.contact_form, name="contact-add"),
    path("centres/<slug:slug>/contacts/<int:pk>/", centres.contact_form, name="contact-edit"),
    path("services/", services.service_list, name="services"),
    path("services/new/", services.service_form, name="service-add"),
    path("services/<slug:slug>/", services.service_detail, name="service"),
    path("services/<slug:slug>/edit/", services.service_form, name="service-edit"),
    path("clusters/<slug:slug>/", network.cluster_detail, name="cluster"),
    path("organisations/<slug:slug>/", network.organisation_detail, name="organisation"),
    path("changes/", releases.changes, name="changes"),
    path("releases/", releases.release_list, name="releases"),
    path("releases/<str:version>.json", releases.release_download, name="release-download"),
    path("releases/<str:version>/", releases.release_detail, name="release"),
    path("export/registry.json", releases.export_download, name="export"),
    path("import/", imports.import_page, name="import"),
    path("import/<int:pk>/", imports.import_job, name="import-job"),
    path("media/logos/<str:name>", centres.media_logo, name="logo"),
]
