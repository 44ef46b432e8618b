"""The public audience pages under /newsletter/ (no sign-in): the sign-up form, the confirmation
link, the preferences page (signed subscriber link) and the unsubscribe page (signed recipient link,
RFC 8058 one-click POST without cookies). Every write is a service in consent.py."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from channelops.core.views import client_ip

from . import consent as svc
from . import links
from .forms_audience import PreferencesForm, SignupForm, preferences_initial
from .models import ConsentMethod, Recipient, Subscriber, SubscriberStatus, Topic

BASE = "base.html"


def _ua(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]


# --- sign-up ---------------------------------------------------------------------------------------


def _rate_key(request: HttpRequest) -> str:
    ip = client_ip(request) or "unknown"
    return "comms:signup:ip:" + hashlib.sha256(ip.encode()).hexdigest()[:32]


def _rate_exceeded(request: HttpRequest) -> bool:
    return int(cache.get(_rate_key(request), 0)) >= settings.COMMS_SIGNUPS_PER_HOUR


def _rate_count(request: HttpRequest) -> None:
    key = _rate_key(request)
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:  # the hour ended between add and incr
        cache.set(key, 1, timeout=3600)


def _signup_page(request: HttpRequest, form: SignupForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "communications/audience/signup.html",
        {"form": form, "staff_note": request.user.is_authenticated and request.user.is_staff},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """The public sign-up form (double opt-in). Every accepted submission answers the same page,
    whatever the address's state (no enumeration)."""
    if request.method != "POST":
        initial: dict[str, Any] = {
            "language": getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
        }
        user = request.user
        if user.is_authenticated and not user.is_staff:
            partner = getattr(user.partner_membership, "partner", None)
            initial.update(
                {
                    "email": user.email,
                    "name": user.get_full_name(),
                    "company": partner.legal_name if partner is not None else "",
                }
            )
        return _signup_page(request, SignupForm(initial=initial))
    form = SignupForm(request.POST)
    if _rate_exceeded(request):
        form.is_valid()
        form.add_error(
            None, _("Too many sign-ups were sent from your network in the last hour. Please try again later.")
        )
        return _signup_page(request, form, status=429)
    if form.is_bot():
        _rate_count(request)
        return redirect("newsletter:signup_sent")  # pretend success, store nothing
    if not form.is_valid():
        return _signup_page(request, form, status=400)
    _rate_count(request)
    d = form.cleaned_data
    try:
        svc.signup_submit(
            email=d["email"],
            name=d["name"],
            company=d["company"],
            language=d["language"],
            topics=list(d["topics"]),
            consent_text=str(form.fields["consent"].label),
            ip=client_ip(request),
            user_agent=_ua(request),
            user=request.user,
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        return _signup_page(request, form, status=400)
    return redirect("newsletter:signup_sent")


@require_safe
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "communications/audience/signup_sent.html", {"hours": settings.COMMS_CONFIRM_HOURS}
    )


def _refused(request: HttpRequest, kind: str) -> HttpResponse:
    """A friendly refusal for a link that does not work (404: nothing is said about any address)."""
    return render(
        request,
        "communications/audience/link_refused.html",
        {"kind": kind, "signup_url": reverse("newsletter:signup")},
        status=404,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The double opt-in link. GET confirms (a person clicking the link is the confirmation); a
    mail scanner opening it is harmless, the subscription is what the person asked for."""
    sub = svc.subscriber_for_confirm_token(token)
    if sub is None:
        return _refused(request, "confirm")
    if request.method != "HEAD":
        sub = svc.signup_confirm(subscriber=sub, ip=client_ip(request), user_agent=_ua(request))
    return render(
        request,
        "communications/audience/confirmed.html",
        {
            "subscriber": sub,
            "masked": svc.mask_email(sub.email),
            "preferences_url": reverse(
                "newsletter:preferences", args=[links.subscriber_token(sub.pk, sub.email)]
            ),
            "suppressed": svc._blocked(sub.email),
        },
    )


# --- preferences ---------------------------------------------------------------------------------


def preferences_context(sub: Subscriber, form: PreferencesForm) -> dict[str, Any]:
    return {
        "subscriber": sub,
        "masked": svc.mask_email(sub.email),
        "form": form,
        "unsubscribed": sub.status == SubscriberStatus.UNSUBSCRIBED,
        "pending": sub.status == SubscriberStatus.PENDING,
        "suppression": svc.suppression_of(sub.email),
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The preferences page of the signed link: topics and language, unsubscribe from everything,
    subscribe again. The signed token is the credential (the person needs no session)."""
    sub = svc.subscriber_for_token(token)
    if sub is None:
        return _refused(request, "preferences")
    ip, ua = client_ip(request), _ua(request)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "unsubscribe":
            svc.unsubscribe(subscriber=sub, method=ConsentMethod.EMAIL_LINK, ip=ip, user_agent=ua)
            return render(
                request,
                "communications/audience/unsubscribed.html",
                _done_context(sub, token, everything=True),
            )
        if action == "resubscribe":
            svc.resubscribe(subscriber=sub, method=ConsentMethod.EMAIL_LINK, ip=ip, user_agent=ua)
            return redirect(reverse("newsletter:preferences", args=[token]) + "?saved=1")
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                svc.preferences_save(
                    subscriber=sub,
                    topics=list(form.cleaned_data["topics"]),
                    language=form.cleaned_data["language"],
                    method=ConsentMethod.EMAIL_LINK,
                    ip=ip,
                    user_agent=ua,
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                return redirect(reverse("newsletter:preferences", args=[token]) + "?saved=1")
        return render(
            request, "communications/audience/preferences.html", preferences_context(sub, form), status=400
        )
    ctx = preferences_context(sub, PreferencesForm(initial=preferences_initial(sub)))
    ctx["saved"] = request.GET.get("saved") == "1"
    return render(request, "communications/audience/preferences.html", ctx)


# --- unsubscribe -----------------------------------------------------------------------------------


def _done_context(
    sub: Subscriber, preferences_token: str, *, everything: bool, topic: str = ""
) -> dict[str, Any]:
    return {
        "masked": svc.mask_email(sub.email),
        "everything": everything,
        "topic_label": Topic(topic).label if topic else "",
        "preferences_url": reverse("newsletter:preferences", args=[preferences_token]),
    }


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """``/newsletter/u/<recipient token>/``. GET shows the page (leave the mailing's topic or
    everything; the preferences); POST unsubscribes at once. A mail client's RFC 8058 one-click
    request (``List-Unsubscribe=One-Click`` in the body, no cookie, no CSRF token) leaves
    everything and gets 200. The signed token names the one recipient it changes; repeating the
    request changes nothing more."""
    rid = links.read_recipient_token(token)
    recipient = (
        Recipient.objects.select_related("mailing", "subscriber").filter(pk=rid).first()
        if rid is not None
        else None
    )
    if recipient is None:
        return _refused(request, "unsubscribe")
    one_click = request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click"
    topic = recipient.mailing.topic
    if request.method == "POST":
        scope = "all" if one_click else request.POST.get("scope", "all")
        chosen = topic if scope == "topic" else ""
        sub = svc.unsubscribe(
            recipient=recipient,
            method=ConsentMethod.ONE_CLICK if one_click else ConsentMethod.EMAIL_LINK,
            topic=chosen,
            ip=client_ip(request),
            user_agent=_ua(request),
        )
        if one_click:
            return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
        return render(
            request,
            "communications/audience/unsubscribed.html",
            _done_context(
                sub, links.subscriber_token(sub.pk, sub.email), everything=not chosen, topic=chosen
            ),
        )
    current: Subscriber | None = (
        recipient.subscriber or Subscriber.objects.filter(email=svc.normalise_email(recipient.email)).first()
    )
    return render(
        request,
        "communications/audience/unsubscribe.html",
        {
            "masked": svc.mask_email(recipient.email),
            "topic_label": Topic(topic).label,
            "already": current is not None and current.status == SubscriberStatus.UNSUBSCRIBED,
            "preferences_url": reverse(
                "newsletter:preferences", args=[links.subscriber_token(current.pk, current.email)]
            )
            if current is not None
            else "",
        },
    )


# --- provider webhooks (anymail tracking: bounces, complaints, unsubscribes, deliveries) ----------

REPLAY_SECONDS = 15 * 60


def _mailgun_stamp(request: HttpRequest) -> float:
    import json

    try:
        if request.content_type == "application/json":
            return float(json.loads(request.body.decode("utf-8"))["signature"]["timestamp"])
        return float(request.POST.get("timestamp", ""))
    except (KeyError, TypeError, ValueError, UnicodeDecodeError):
        return 0.0


@csrf_exempt
def provider_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    """``/newsletter/webhooks/<esp>/``: anymail's tracking webhook of Mailgun (HMAC signature with
    ``CHANNELOPS_INBOUND_MAILGUN_SIGNING_KEY``, timestamps older than 15 minutes refused), Postmark
    or SendGrid (HTTP basic auth ``CHANNELOPS_COMMS_WEBHOOK_SECRET``). A provider that is not set up
    answers 404; a bad signature 400 and nothing is recorded. ``bounces.on_tracking`` records."""
    import time

    from django.http import Http404, HttpResponseBadRequest

    if esp == "mailgun":
        key = settings.INBOUND_MAILGUN_SIGNING_KEY
        if not key:
            raise Http404
        if request.method == "POST" and abs(time.time() - _mailgun_stamp(request)) > REPLAY_SECONDS:
            return HttpResponseBadRequest("stale or missing timestamp")
        from anymail.webhooks.mailgun import MailgunTrackingWebhookView

        return MailgunTrackingWebhookView.as_view(webhook_signing_key=key, api_key=None)(request)
    secret = settings.COMMS_WEBHOOK_SECRET
    if esp not in _BASIC_AUTH_VIEWS or not secret:
        raise Http404
    return _BASIC_AUTH_VIEWS[esp]().as_view(webhook_secret=secret)(request)


def _postmark() -> Any:
    from anymail.webhooks.postmark import PostmarkTrackingWebhookView

    class View(PostmarkTrackingWebhookView):
        webhook_secret = None

    return View


def _sendgrid() -> Any:
    from anymail.webhooks.sendgrid import SendGridTrackingWebhookView

    class View(SendGridTrackingWebhookView):
        webhook_secret = None

    return View


_BASIC_AUTH_VIEWS = {"postmark": _postmark, "sendgrid": _sendgrid}
