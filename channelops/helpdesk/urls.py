"""Help desk pages: account reviews and the FAQ under /console/ (``console_patterns``), the portal's
Help under /portal/help/ (``portal_patterns``), the public help page under /help/ (``public_patterns``)."""

from django.urls import path

from . import faq_views, question_views, rating_views, views

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
    path("questions/", question_views.console_questions, name="questions"),
    path("questions/ask/", question_views.console_question_new, name="question_new"),
    path("questions/saved-replies/", question_views.console_macros, name="question_macros"),
    path("questions/saved-replies/<int:pk>/", question_views.console_macro, name="question_macro"),
    path("questions/<int:pk>/", question_views.console_question, name="question"),
    path("questions/<int:pk>/reply/", question_views.console_question_side_reply, name="question_side_reply"),
    path("questions/<int:pk>/assign/", question_views.console_question_assign, name="question_assign"),
    path("questions/<int:pk>/status/", question_views.console_question_status, name="question_status"),
    path("questions/<int:pk>/priority/", question_views.console_question_priority, name="question_priority"),
    path("questions/<int:pk>/merge/", question_views.console_question_merge, name="question_merge"),
    path("questions/<int:pk>/triage/", question_views.console_question_triage, name="question_triage"),
    path(
        "questions/<int:pk>/attachments/<int:att>/",
        question_views.console_attachment,
        name="question_attachment",
    ),
]

portal_patterns = [
    path("", faq_views.portal_help, name="help"),
    # before the articles' <slug>: "questions" is not an article's web address (faq_services.RESERVED_SLUGS)
    path("questions/", question_views.portal_questions, name="questions"),
    path("questions/ask/", question_views.portal_question_new, name="question_new"),
    path("questions/<int:pk>/", question_views.portal_question, name="question"),
    path("questions/<int:pk>/resolve/", question_views.portal_question_resolve, name="question_resolve"),
    path(
        "questions/<int:pk>/attachments/<int:att>/",
        question_views.portal_attachment,
        name="question_attachment",
    ),
    path("<slug:slug>/", faq_views.portal_article, name="help_article"),
    path("<slug:slug>/answered/", faq_views.portal_answered, name="help_answered"),
]

public_patterns = [
    path("", faq_views.public_help, name="index"),
    path("rate/<str:token>/", rating_views.rate, name="question_rate"),
    path("<slug:slug>/", faq_views.public_article, name="article"),
]

urlpatterns = console_patterns  # included by channelops/console/urls.py
