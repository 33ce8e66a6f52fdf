from __future__ import annotations

from django.urls import path

from cchub.interop import oai, views

app_name = "interop"

urlpatterns = [
    path("oai", oai.endpoint, name="oai"),
    path("oai/cchub-record.xsd", oai.schema, name="oai-schema"),
    path("catalog", views.catalogue, name="catalog"),
    path("federation/", views.source_list, name="sources"),
    path("federation/conflicts/", views.conflicts, name="conflicts"),
    path("federation/conflicts/<int:pk>/", views.decide, name="decide"),
    path("federation/<slug:slug>/", views.source_detail, name="source"),
    path("federation/<slug:slug>/harvest/", views.harvest_now, name="harvest"),
    path("federation/<slug:slug>/runs/<int:pk>/", views.run_detail, name="run"),
]
