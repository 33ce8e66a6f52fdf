from __future__ import annotations

from django.urls import path

from cchub.landscape import views

app_name = "landscape"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charts/<slug:name>.<str:fmt>", views.chart, name="chart"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("gaps/", views.gaps_page, name="gaps"),
    path("compare/", views.compare, name="compare"),
    path("report/", views.report_page, name="report"),
]
