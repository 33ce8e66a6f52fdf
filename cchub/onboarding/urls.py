from __future__ import annotations

from django.urls import path

from cchub.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.network, name="network"),
    path("feed.json", views.feed, name="feed"),
    path("embed/", views.embed, name="embed"),
    path("projects/new/", views.new_project, name="new_project"),
    path("projects/<slug:slug>/", views.project, name="project"),
    path("projects/<slug:slug>/outputs/", views.add_output, name="add_output"),
    path("outputs/<int:pk>/", views.output, name="output"),
    path("outputs/<int:pk>/files/<int:file_pk>/", views.output_file, name="file"),
    path("outputs/<int:pk>/<slug:action>/", views.act, name="act"),
]
