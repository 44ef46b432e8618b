"""Registration pages: ``register_patterns`` (public, under /register/) and ``console_patterns``."""

from django.urls import path

from . import views

register_patterns = [
    path("", views.register, name="register"),
    path("sent/", views.register_sent, name="register_sent"),
    path("verify/<str:token>/", views.register_verify, name="register_verify"),
    path("status/<str:token>/", views.register_status, name="register_status"),
]

console_patterns = [
    path("applications/", views.console_applications, name="applications"),
    path("applications/<int:pk>/", views.console_application, name="application_detail"),
    path("applications/<int:pk>/approve/", views.console_application_approve, name="application_approve"),
    path("applications/<int:pk>/reject/", views.console_application_reject, name="application_reject"),
]
