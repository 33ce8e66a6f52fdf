from __future__ import annotations

from django.urls import path

from cchub.training import views

app_name = "training"
urlpatterns = [
    path("", views.roadmap, name="roadmap"),
    path("calendar.ics", views.calendar, name="calendar"),
    path("gaps/", views.gaps, name="gaps"),
    path("events/<slug:slug>/", views.event_detail, name="event"),
    path("materials/<slug:slug>/", views.material_detail, name="material"),
    path("paths/<slug:slug>/", views.path_detail, name="path"),
]
