"""Review pages, under /console/ (``console_patterns``)."""

from django.urls import path

from . import views

console_patterns = [
    path("reviews/", views.calendar, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/items/<int:item_pk>/check/", views.item_check, name="review_item_check"),
    path("reviews/<int:pk>/items/<int:item_pk>/remind/", views.item_remind, name="review_item_remind"),
    path("reviews/<int:pk>/complete/", views.complete, name="review_complete"),
]

urlpatterns = console_patterns  # included by channelops/console/urls.py
