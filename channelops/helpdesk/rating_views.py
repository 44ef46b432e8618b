"""The one-click satisfaction rating of a resolved question: ``/help/rate/<token>/``.

The resolution e-mail links to this page once per answer (good, bad). The signed token names the
question and the rating, so no sign-in is needed; opening the link records the rating (again is
harmless: the latest click counts) and thanks the person. A person who clicked the wrong one changes
it with the button on the page (a POST with the other rating's token).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import question_emails
from .question_models import Question
from .question_services import question_rate


@require_http_methods(["GET", "HEAD", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    decoded = question_emails.rating_from_token(token)
    question = Question.objects.filter(pk=decoded[0]).first() if decoded else None
    if question is None or decoded is None:
        return render(
            request,
            "helpdesk/question_rated.html",
            {"base_template": "base.html", "invalid": True},
            status=404,
        )
    rating, error = decoded[1], ""
    if request.method != "HEAD":
        try:
            question = question_rate(question=question, rating=rating, token=token)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    other = "bad" if rating == "good" else "good"
    return render(
        request,
        "helpdesk/question_rated.html",
        {
            "base_template": "base.html",
            "question": question,
            "rating": rating,
            "error": error,
            "other": other,
            "action": reverse("help:question_rate", args=[question_emails.rating_token(question, other)]),
        },
        status=400 if error else 200,
    )
