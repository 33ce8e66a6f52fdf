from __future__ import annotations

from django.urls import path

from cchub.registry import vocabulary_views as views

app_name = "vocab"

urlpatterns = [
    path("", views.scheme_list, name="schemes"),
    path("<slug:slug>/", views.scheme_detail, name="scheme"),
    path("<slug:slug>/<slug:notation>/", views.concept_detail, name="concept"),
]
