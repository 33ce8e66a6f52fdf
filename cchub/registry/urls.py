from __future__ import annotations

from django.urls import path

from cchub.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="home"),
    path("centres/", views.centre_list, name="centres"),
    path("centres/propose/", views.centre_propose, name="propose"),
    path("centres/pending/", views.pending_centres, name="pending"),
    path("centres/<slug:slug>/", views.centre_detail, name="centre"),
    path("centres/<slug:slug>/edit/", views.centre_edit, name="centre-edit"),
    path("centres/<slug:slug>/history/", views.centre_history, name="centre-history"),
    path("centres/<slug:slug>/decide/", views.centre_decide, name="centre-decide"),
    path("centres/<slug:slug>/offers/add/", views.offer_form, name="offer-add"),
    path("centres/<slug:slug>/offers/<int:pk>/", views.offer_form, name="offer-edit"),
    path("centres/<slug:slug>/contacts/add/", views.contact_form, name="contact-add"),
    path("centres/<slug:slug>/contacts/<int:pk>/", views.contact_form, name="contact-edit"),
    path("services/", views.service_list, name="services"),
    path("services/new/", views.service_form, name="service-add"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("services/<slug:slug>/edit/", views.service_form, name="service-edit"),
    path("clusters/<slug:slug>/", views.cluster_detail, name="cluster"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("changes/", views.changes, name="changes"),
    path("releases/", views.release_list, name="releases"),
    path("releases/<str:version>.json", views.release_download, name="release-download"),
    path("releases/<str:version>/", views.release_detail, name="release"),
    path("export/registry.json", views.export_download, name="export"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_job, name="import-job"),
    path("media/logos/<str:name>", views.media_logo, name="logo"),
]
