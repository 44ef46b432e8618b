"""Help desk pages: account reviews and the FAQ under /console/ (``console_patterns``), the portal's
Help under /portal/help/ (``portal_patterns``), the public help page under /help/ (``public_patterns``)."""

from django.urls import path

from . import faq_views, rating_views, views

console_patterns = [
    path("reviews/", views.calendar, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/items/<int:item_pk>/check/", views.item_check, name="review_item_check"),
    path("reviews/<int:pk>/items/<int:item_pk>/remind/", views.item_remind, name="review_item_remind"),
    path("reviews/<int:pk>/complete/", views.complete, name="review_complete"),
    path("faq/", faq_views.console_list, name="faq"),
    path("faq/new/", faq_views.console_new, name="faq_new"),
    path("faq/<int:pk>/", faq_views.console_article, name="faq_article"),
    path("faq/<int:pk>/publish/", faq_views.console_publish, name="faq_publish"),
    path("faq/<int:pk>/unpublish/", faq_views.console_unpublish, name="faq_unpublish"),
    path("faq/<int:pk>/reviewed/", faq_views.console_reviewed, name="faq_reviewed"),
    path("faq/<int:pk>/translation/", faq_views.console_translation, name="faq_translation"),
]

portal_patterns = [
    path("", faq_views.portal_help, name="help"),
    path("<slug:slug>/", faq_views.portal_article, name="help_article"),
    path("<slug:slug>/answered/", faq_views.portal_answered, name="help_answered"),
]

public_patterns = [
    path("", faq_views.public_help, name="index"),
    path("rate/<str:token>/", rating_views.rate, name="question_rate"),
    path("<slug:slug>/", faq_views.public_article, name="article"),
]

urlpatterns = console_patterns  # included by channelops/console/urls.py
