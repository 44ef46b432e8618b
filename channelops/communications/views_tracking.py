"""The public tracking endpoints under /newsletter/ (no sign-in, no session): the open pixel, the
click redirect and the reader's feedback (docs/communications-tracking.md).

They reveal nothing: the pixel answers the same GIF for any token, a wrong click or feedback link
gets a page that says only that the link does not work, and no page shows an address.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import links, tracking
from .models import Mailing

#: A 1×1 transparent GIF (43 bytes).
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _client(request: HttpRequest) -> dict[str, Any]:
    return {
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
        "ip": request.META.get("REMOTE_ADDR") or None,
    }


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_safe
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """The same GIF for every token; a valid one records an open."""
    rid = links.read_recipient_token(token, "open")
    if rid is not None:
        tracking.record_open(recipient_id=rid, method=request.method or "GET", **_client(request))
    return _private(HttpResponse(PIXEL, content_type="image/gif"))


def _dead_link(request: HttpRequest, status: int) -> HttpResponse:
    return _private(
        render(
            request,
            "communications/tracking/link_problem.html",
            {"status": status},
            status=status,
        )
    )


@never_cache
@require_safe
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Redirect to the mailing's link N (read from the database, never from the request)."""
    parsed = links.read_click_token(token)
    if parsed is None:
        return _dead_link(request, 400)
    rid, position = parsed
    url = tracking.record_click(
        recipient_id=rid, position=position, method=request.method or "GET", **_client(request)
    )
    if not url or not url.lower().startswith(("https://", "http://")):
        return _dead_link(request, 404)
    return _private(HttpResponseRedirect(url))


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Anything to add? (optional)"),
        required=False,
        max_length=tracking.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What would make the next edition more useful to you?"),
    )


def _feedback_page(
    request: HttpRequest,
    token: str,
    rid: int,
    rating: int,
    *,
    state: str,
    form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    mailing = Mailing.objects.filter(recipients__pk=rid).only("title", "kind").first()
    return _private(
        render(
            request,
            "communications/tracking/feedback.html",
            {
                "mailing": mailing,
                "rating": rating,
                "state": state,  # "confirm" (a scanner might be asking), "recorded", "commented"
                "form": form or CommentForm(),
                "action": request.path,
                "others": [
                    {"rating": r, "url": f"{links.PUBLIC_PREFIX}/f/{links.feedback_token(rid, r)}/"}
                    for r in range(1, 6)
                ],
            },
            status=status,
        )
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    """GET records the rating at once (one click) unless the request looks like a link scanner's
    (``tracking.is_prefetch``), which gets a page with a button to confirm; POST confirms the
    rating and records the optional comment."""
    parsed = links.read_feedback_token(token)
    if parsed is None:
        return _dead_link(request, 400)
    rid, rating = parsed
    client = _client(request)
    if request.method == "POST":
        form = CommentForm(request.POST)
        if not form.is_valid():
            return _feedback_page(request, token, rid, rating, state="recorded", form=form, status=400)
        comment = form.cleaned_data["comment"]
        try:
            fb = tracking.record_feedback(
                recipient_id=rid,
                rating=rating,
                comment=comment if comment or "comment" in request.POST else None,
                user_agent=client["user_agent"],
            )
        except ValidationError as exc:
            form.add_error("comment", exc)
            return _feedback_page(request, token, rid, rating, state="recorded", form=form, status=400)
        if fb is None:
            return _dead_link(request, 404)
        state = "commented" if fb.comment else "recorded"
        return _feedback_page(
            request, token, rid, rating, state=state, form=CommentForm(initial={"comment": fb.comment})
        )
    if tracking.is_prefetch(method=request.method or "GET", recipient_id=rid, **client):
        if not Mailing.objects.filter(recipients__pk=rid).exists():
            return _dead_link(request, 404)
        return _feedback_page(request, token, rid, rating, state="confirm")
    fb = tracking.record_feedback(recipient_id=rid, rating=rating, user_agent=client["user_agent"])
    if fb is None:
        return _dead_link(request, 404)
    # The stored comment is not shown again (a forwarded e-mail would show it to someone else).
    return _feedback_page(request, token, rid, rating, state="recorded")
