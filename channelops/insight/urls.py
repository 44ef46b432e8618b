from django.urls import path

from . import views

console_patterns = [
    path("overview/", views.overview, name="overview"),
    path("engagement/", views.engagement, name="engagement"),
    path("overview/<slug:key>.<str:fmt>", views.overview_export, name="overview_export"),
]
