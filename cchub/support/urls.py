from __future__ import annotations

from django.urls import path

from cchub.support import views

app_name = "support"
urlpatterns = [
    path("", views.ask, name="ask"),
    path("assist/", views.assist, name="assist"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("queue/", views.queue, name="queue"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("reports/", views.report, name="report"),
    path("desks/confirm/<str:token>/", views.desk_confirm, name="desk-confirm"),
    path("desks/<slug:slug>/", views.desk, name="desk"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:pk>/article/", views.article_new, name="article-new"),
    path("tickets/<int:pk>/files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("tickets/<int:pk>/<slug:action>/", views.ticket_action, name="action"),
    path("articles/", views.article_list, name="articles"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    path("articles/<slug:slug>/edit/", views.article_edit, name="article-edit"),
    path("articles/<slug:slug>/approve/", views.article_approve, name="article-approve"),
    path("articles/<slug:slug>/discard/", views.article_discard, name="article-discard"),
]
