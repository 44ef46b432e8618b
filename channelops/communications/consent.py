"""Consent of the audience (docs/communications-audience.md): sign-up with double opt-in, the
welcome e-mail, preferences, unsubscribing (page, RFC 8058 one-click, mailto) and the suppression
list. Every decision writes a ``Consent`` row (when, how, from where, the text agreed to).

The sender (another part) leaves out suppressed addresses, unsubscribed subscribers and subscribers
whose ``wants(topic)`` is false; these services keep those three right:

- ``Subscriber.status`` is ``subscribed`` only after the confirmation (or for a portal user);
  ``unsubscribed`` after leaving everything;
- ``Subscriber.topics`` is never an empty list for someone who left a topic (an empty list means
  every topic): leaving the last topic is leaving everything;
- a ``Suppression(reason=unsubscribed)`` is added when someone leaves everything and removed when
  they subscribe again; hard-bounce, complaint and other suppressions stay until staff remove them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.core.outbox import email_enqueue

from . import hooks, links
from .models import (
    ALL_TOPICS,
    Consent,
    ConsentAction,
    ConsentMethod,
    Event,
    EventKind,
    Recipient,
    Subscriber,
    SubscriberSource,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    Topic,
)

#: The text a person agrees to on the sign-up form (stored, as shown, in their Consent record).
CONSENT_TEXT = gettext_lazy(
    "I agree to receive the Partner Flash newsletter and the partner communications I choose by "
    "e-mail. I can change my choices or unsubscribe at any time with the link in every e-mail."
)

#: Suppressions a person lifts themselves by subscribing again (the others need staff).
SELF_LIFTED = {SuppressionReason.UNSUBSCRIBED}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def mask_email(email: str) -> str:
    """``a***@example.com``: enough for a person to recognise their address, not to read it."""
    local, _sep, domain = (email or "").partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def clean_topics(topics: Any) -> list[str]:
    """The known topics of ``topics`` in the canonical order."""
    chosen = {str(t) for t in topics or []}
    return [t for t in ALL_TOPICS if t in chosen]


def topic_labels(topics: list[str]) -> list[str]:
    return [str(Topic(t).label) for t in (topics or ALL_TOPICS) if t in ALL_TOPICS]


def _language(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else ""


def _consent(subscriber: Subscriber, action: str, method: str, **fields: Any) -> Consent:
    return Consent.objects.create(
        subscriber=subscriber,
        action=action,
        method=method,
        at=timezone.now(),
        topics=list(fields.pop("topics", subscriber.topics) or []),
        language=fields.pop("language", subscriber.language) or "",
        ip_address=fields.pop("ip", None) or None,
        user_agent=(fields.pop("user_agent", "") or "")[:300],
        **fields,
    )


def _send(subscriber: Subscriber, template: str, key: str, **context: Any) -> None:
    email_enqueue(
        to=[subscriber.email],
        template=f"communications/audience/email/{template}",
        context={
            "subscriber": subscriber,
            "name": subscriber.name,
            "preferences_url": links.preferences_url(subscriber.pk, subscriber.email),
            "topics": topic_labels(subscriber.topics),
            **context,
        },
        key=key,
        topic="communications:audience",
        language=subscriber.language or settings.LANGUAGE_CODE,
        from_email=settings.COMMS_FROM_EMAIL,
    )


def suppression_of(email: str) -> Suppression | None:
    return Suppression.objects.filter(email=normalise_email(email)).first()


def _blocked(email: str) -> bool:
    """Suppressed for a reason the person cannot lift themselves (hard bounce, complaint…): no
    e-mail at all goes to the address."""
    s = suppression_of(email)
    return s is not None and s.reason not in SELF_LIFTED


# --- sign-up and double opt-in --------------------------------------------------------------------


@dataclass(frozen=True)
class SignupResult:
    subscriber: Subscriber
    outcome: str  # "confirm" (e-mail sent), "already" (already subscribed), "blocked" (not mailed)


@transaction.atomic
def signup_submit(
    *,
    email: str,
    name: str = "",
    company: str = "",
    language: str = "",
    topics: list[str] | None = None,
    consent_text: str = "",
    ip: str | None = None,
    user_agent: str = "",
    user: Any = None,
) -> SignupResult:
    """A sign-up through the public form. The page says the same whatever happens (no enumeration):

    - a new or pending address: the subscriber is (again) pending with the chosen name, company,
      language and topics, a ``Consent(signup, form)`` records the text shown, and a confirmation
      e-mail with a link valid for ``COMMS_CONFIRM_HOURS`` is queued (at most one an hour);
    - an address already subscribed: nothing changes; a "you are already subscribed" e-mail with the
      preferences link is queued (at most one an hour);
    - an unsubscribed address: as a new one (confirming subscribes again);
    - an address suppressed after a hard bounce or a complaint: the sign-up is recorded but no
      e-mail is sent (staff lift that suppression on the console).

    A signed-in portal person signing up with their own address is linked to the row.
    """
    address = normalise_email(email)
    if not address or "@" not in address:
        raise ValidationError({"email": _("Enter your e-mail address.")})
    chosen = clean_topics(topics if topics is not None else ALL_TOPICS)
    if not chosen:
        raise ValidationError({"topics": _("Choose at least one topic.")})
    if not consent_text:
        raise ValidationError(_("The sign-up needs the consent text the person agreed to."))
    now = timezone.now()
    sub = Subscriber.objects.select_for_update().filter(email=address).first()
    if sub is not None and sub.status == SubscriberStatus.SUBSCRIBED:
        if not _blocked(address):
            _send(sub, "already", key=f"comms:already:{sub.pk}:{now:%Y%m%d%H}")
        return SignupResult(sub, "already")
    if sub is None:
        try:
            with transaction.atomic():
                sub = Subscriber.objects.create(email=address, source=SubscriberSource.SIGNUP, created_at=now)
        except IntegrityError:  # created meanwhile by a parallel sign-up
            sub = Subscriber.objects.select_for_update().get(email=address)
    sub.name = (name or sub.name)[:150]
    sub.company = (company or sub.company)[:200]
    sub.language = _language(language) or sub.language
    sub.topics = chosen
    sub.status = SubscriberStatus.PENDING
    if (
        user is not None
        and getattr(user, "is_authenticated", False)
        and not user.is_staff
        and normalise_email(user.email) == address
        and sub.user_id is None
        and not Subscriber.objects.filter(user=user).exclude(pk=sub.pk).exists()
    ):
        sub.user = user
        sub.partner_id = getattr(user, "partner_id", None) or sub.partner_id
    sub.save()
    _consent(
        sub,
        ConsentAction.SIGNUP,
        ConsentMethod.FORM,
        ip=ip,
        user_agent=user_agent,
        text=str(consent_text),
        topics=chosen,
        language=sub.language,
    )
    if _blocked(address):
        return SignupResult(sub, "blocked")
    _send(
        sub,
        "confirm",
        key=f"comms:confirm:{sub.pk}:{now:%Y%m%d%H}",
        confirm_url=links.confirm_url(sub.pk, sub.email),
        hours=settings.COMMS_CONFIRM_HOURS,
    )
    return SignupResult(sub, "confirm")


def subscriber_for_confirm_token(token: str) -> Subscriber | None:
    """The subscriber a confirmation link is for: None when the link is changed, expired, or the
    row's address is no longer the one it was made for."""
    decoded = links.read_confirm_token(token)
    if decoded is None:
        return None
    sid, email = decoded
    sub = Subscriber.objects.filter(pk=sid).first()
    if sub is None or sub.email != normalise_email(email):
        return None
    return sub


@transaction.atomic
def signup_confirm(*, subscriber: Subscriber, ip: str | None = None, user_agent: str = "") -> Subscriber:
    """The confirmation link was opened: subscribed, ``Consent(confirm, email_link)``, the
    self-lifted (unsubscribed) suppression removed, and the welcome e-mail queued. Opening the link
    again changes nothing."""
    sub = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if sub.status == SubscriberStatus.SUBSCRIBED:
        return sub
    now = timezone.now()
    sub.status = SubscriberStatus.SUBSCRIBED
    sub.confirmed_at = now
    sub.unsubscribed_at = None
    sub.soft_bounces = 0
    sub.save(update_fields=["status", "confirmed_at", "unsubscribed_at", "soft_bounces"])
    Suppression.objects.filter(email=sub.email, reason__in=SELF_LIFTED).delete()
    _consent(sub, ConsentAction.CONFIRM, ConsentMethod.EMAIL_LINK, ip=ip, user_agent=user_agent)
    if not _blocked(sub.email):
        _send(sub, "welcome", key=f"comms:welcome:{sub.pk}:{now.timestamp():.0f}")
    return sub


# --- preferences -----------------------------------------------------------------------------------


def subscriber_for_token(token: str) -> Subscriber | None:
    """The subscriber of a preferences link (signed with the row and its address), or None."""
    sid = links.read_subscriber_token(
        token, lambda pk: Subscriber.objects.filter(pk=pk).values_list("email", flat=True).first()
    )
    return Subscriber.objects.filter(pk=sid).first() if sid is not None else None


@transaction.atomic
def portal_subscriber(user: Any) -> Subscriber:
    """The signed-in partner person's own subscriber row, created (``source=portal``, subscribed:
    portal users are in the audience without signing up) when missing; a sign-up row with their
    address is linked to them."""
    sub = Subscriber.objects.filter(user=user).first()
    if sub is not None:
        return sub
    address = normalise_email(user.email)
    sub = Subscriber.objects.select_for_update().filter(email=address).first()
    partner_id = getattr(user, "partner_id", None)
    if sub is None:
        try:
            with transaction.atomic():
                return Subscriber.objects.create(
                    email=address,
                    name=user.get_full_name()[:150],
                    user=user,
                    partner_id=partner_id,
                    language=_language(getattr(user, "language", "") or ""),
                    topics=[],
                    status=SubscriberStatus.SUBSCRIBED,
                    source=SubscriberSource.PORTAL,
                )
        except IntegrityError:
            sub = Subscriber.objects.select_for_update().get(email=address)
    if sub.user_id is None:
        sub.user = user
        sub.partner_id = partner_id or sub.partner_id
        sub.save(update_fields=["user", "partner"])
    return sub


@transaction.atomic
def preferences_save(
    *,
    subscriber: Subscriber,
    topics: list[str],
    language: str,
    method: str,
    ip: str | None = None,
    user_agent: str = "",
    by: Any = None,
) -> Subscriber:
    """New topics and language (``Consent(preferences)``). At least one topic: leaving them all is
    the "unsubscribe from everything" button."""
    chosen = clean_topics(topics)
    if not chosen:
        raise ValidationError(
            {"topics": _("Choose at least one topic, or unsubscribe from everything below.")}
        )
    sub = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    sub.topics = chosen
    sub.language = _language(language)
    sub.save(update_fields=["topics", "language"])
    _consent(sub, ConsentAction.PREFERENCES, method, ip=ip, user_agent=user_agent, by=by)
    return sub


@transaction.atomic
def resubscribe(
    *, subscriber: Subscriber, method: str, ip: str | None = None, user_agent: str = "", by: Any = None
) -> Subscriber:
    """Subscribe again from the preferences page (the signed link or the portal prove the address):
    subscribed, the unsubscribed suppression removed (``Consent(resubscribe)``). Hard-bounce and
    complaint suppressions stay."""
    sub = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if sub.status == SubscriberStatus.SUBSCRIBED:
        return sub
    sub.status = SubscriberStatus.SUBSCRIBED
    sub.unsubscribed_at = None
    sub.confirmed_at = sub.confirmed_at or timezone.now()
    if not sub.topics:
        sub.topics = []
    sub.save(update_fields=["status", "unsubscribed_at", "confirmed_at", "topics"])
    Suppression.objects.filter(email=sub.email, reason__in=SELF_LIFTED).delete()
    _consent(sub, ConsentAction.RESUBSCRIBE, method, ip=ip, user_agent=user_agent, by=by)
    return sub


# --- unsubscribing ---------------------------------------------------------------------------------


def _subscriber_of_recipient(recipient: Recipient) -> Subscriber:
    """The recipient's subscriber row; created for a portal user mailed without one yet."""
    if recipient.subscriber_id:
        return Subscriber.objects.select_for_update().get(pk=recipient.subscriber_id)
    address = normalise_email(recipient.email)
    sub = Subscriber.objects.select_for_update().filter(email=address).first()
    if sub is None:
        linked = recipient.user_id and not Subscriber.objects.filter(user_id=recipient.user_id).exists()
        sub = Subscriber.objects.create(
            email=address,
            name=recipient.name[:150],
            user_id=recipient.user_id if linked else None,
            partner_id=recipient.partner_id,
            status=SubscriberStatus.SUBSCRIBED,
            source=SubscriberSource.PORTAL if recipient.user_id else SubscriberSource.SIGNUP,
            topics=[],
        )
    Recipient.objects.filter(pk=recipient.pk, subscriber__isnull=True).update(subscriber=sub)
    return sub


@transaction.atomic
def unsubscribe(
    *,
    subscriber: Subscriber | None = None,
    recipient: Recipient | None = None,
    method: str,
    topic: str = "",
    ip: str | None = None,
    user_agent: str = "",
    by: Any = None,
) -> Subscriber:
    """Unsubscribe at once from ``topic`` or (``topic=""``) from everything.

    Everything: status unsubscribed and ``Suppression(unsubscribed)`` (unless the address is
    already suppressed for another reason). One topic: the topic leaves ``topics`` (the last one
    left is everything). Either way a ``Consent(unsubscribe)`` and, when it came from a mailing,
    an ``Event(unsubscribe)`` on its recipient (once) with the ``recipient_event`` hook.
    Repeating it changes nothing more (a mail client may post the one-click request twice).
    """
    if recipient is not None:
        sub = _subscriber_of_recipient(recipient)
    elif subscriber is not None:
        sub = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    else:
        raise ValidationError(_("Nobody to unsubscribe."))
    if topic and topic not in ALL_TOPICS:
        raise ValidationError(_("Unknown topic."))
    now = timezone.now()
    changed = False
    if sub.status != SubscriberStatus.UNSUBSCRIBED:
        remaining = [t for t in (sub.topics or ALL_TOPICS) if t != topic] if topic else []
        if remaining:
            if remaining != list(sub.topics or ALL_TOPICS):
                sub.topics = remaining
                sub.save(update_fields=["topics"])
                changed = True
        else:
            sub.status = SubscriberStatus.UNSUBSCRIBED
            sub.unsubscribed_at = now
            sub.save(update_fields=["status", "unsubscribed_at"])
            changed = True
    if (
        sub.status == SubscriberStatus.UNSUBSCRIBED
        and not Suppression.objects.filter(email=sub.email).exists()
    ):
        Suppression.objects.create(
            email=sub.email,
            reason=SuppressionReason.UNSUBSCRIBED,
            detail=str(ConsentMethod(method).label),
            mailing_id=recipient.mailing_id if recipient is not None else None,
            created_at=now,
            by=by,
        )
    if changed:
        _consent(
            sub,
            ConsentAction.UNSUBSCRIBE,
            method,
            ip=ip,
            user_agent=user_agent,
            by=by,
            mailing_id=recipient.mailing_id if recipient is not None else None,
            text=str(Topic(topic).label) if topic else "",
        )
    if (
        recipient is not None
        and not Event.objects.filter(recipient=recipient, kind=EventKind.UNSUBSCRIBE).exists()
    ):
        event = Event.objects.create(
            mailing_id=recipient.mailing_id,
            recipient=recipient,
            kind=EventKind.UNSUBSCRIBE,
            at=now,
            detail={"method": method, "topic": topic or "all"},
        )
        hooks.recipient_event.call(event=event)
    return sub


# --- the suppression list (staff) -----------------------------------------------------------------


@transaction.atomic
def suppression_add(*, email: str, reason: str, detail: str = "", by: Any = None) -> Suppression:
    """Staff add an address (any reason but "unsubscribed", which only the person gives)."""
    address = normalise_email(email)
    if not address or "@" not in address:
        raise ValidationError({"email": _("Enter an e-mail address.")})
    if reason not in SuppressionReason.values or reason == SuppressionReason.UNSUBSCRIBED:
        raise ValidationError({"reason": _("Choose why the address is suppressed.")})
    if Suppression.objects.filter(email=address).exists():
        raise ValidationError({"email": _("This address is already on the suppression list.")})
    s = Suppression.objects.create(email=address, reason=reason, detail=detail.strip(), by=by)
    sub = Subscriber.objects.filter(email=address).first()
    if sub is not None:
        _consent(
            sub,
            ConsentAction.UNSUBSCRIBE,
            ConsentMethod.STAFF,
            by=by,
            text=_("Added to the suppression list (%(reason)s): %(detail)s")
            % {"reason": s.get_reason_display(), "detail": s.detail or "—"},
        )
    return s


@transaction.atomic
def suppression_remove(
    *, suppression: Suppression, why: str, by: Any = None, confirm_bounce: bool = False
) -> None:
    """Staff remove an address from the list with a reason (kept as a consent record of its
    subscriber). A hard bounce or complaint is removed only when ``confirm_bounce`` says staff read
    the warning. The subscriber's status is not changed: an unsubscribed person stays unsubscribed."""
    why = (why or "").strip()
    if not why:
        raise ValidationError({"why": _("Say why the address may be mailed again.")})
    if (
        suppression.reason in (SuppressionReason.HARD_BOUNCE, SuppressionReason.COMPLAINT)
        and not confirm_bounce
    ):
        raise ValidationError(
            {
                "confirm_bounce": _(
                    "This address bounced or complained: mailing it again harms the delivery of every "
                    "mailing. Tick the box to confirm that it works again."
                )
            }
        )
    s = Suppression.objects.select_for_update().filter(pk=suppression.pk).first()
    if s is None:
        return
    sub = Subscriber.objects.select_for_update().filter(email=s.email).first()
    if sub is not None:
        sub.soft_bounces = 0
        sub.save(update_fields=["soft_bounces"])
        _consent(
            sub,
            ConsentAction.RESUBSCRIBE
            if s.reason != SuppressionReason.UNSUBSCRIBED
            else ConsentAction.PREFERENCES,
            ConsentMethod.STAFF,
            by=by,
            text=_("Removed from the suppression list (%(reason)s): %(why)s")
            % {"reason": s.get_reason_display(), "why": why},
        )
    s.delete()
