"""Cluster and place pages: /clusters/, /clusters/<slug>/, /places/ and /places/<slug>/."""

from __future__ import annotations

from django.urls import path

from clusters import views

app_name = "clusters"

urlpatterns = [
    path("clusters/", views.index, name="index"),
    path("clusters/<slug:slug>/", views.detail, name="detail"),
    path("places/", views.place_index, name="place-index"),
    path("places/<slug:slug>/", views.place, name="place"),
]
