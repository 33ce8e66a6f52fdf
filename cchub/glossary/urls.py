from __future__ import annotations

from django.urls import path

from cchub.glossary import views

app_name = "glossary"
urlpatterns = [
    path("", views.term_list, name="list"),
    path("propose/", views.propose, name="propose"),
    path("skos.<str:ext>", views.download, name="download"),
    path("<slug:slug>", views.term_detail, name="term"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/<slug:step>/", views.action, name="action"),
]
