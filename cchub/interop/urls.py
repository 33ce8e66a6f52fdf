from __future__ import annotations

from django.urls import path

from cchub.interop import oai

app_name = "interop"

urlpatterns = [
    path("oai", oai.endpoint, name="oai"),
    path("oai/cchub-record.xsd", oai.schema, name="oai-schema"),
]
