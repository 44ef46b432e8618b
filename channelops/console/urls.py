from django.urls import path

from . import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("partners/", views.directory, name="directory"),
    path("partners/export.<str:fmt>", views.directory_export, name="directory_export"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("queues/", views.queues, name="queues"),
    path("queues/<slug:key>/", views.queue_detail, name="queue_detail"),
    path("outbox/dead/", views.dead_letters, name="dead_letters"),
    path("outbox/dead/<int:pk>/retry/", views.dead_letter_retry, name="dead_letter_retry"),
]
