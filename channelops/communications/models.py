"""Partner communications: mailings (Partner Flash editions, announcements, special notices), their
audience and consent, per-recipient delivery and tracking, reader feedback, webcast sessions and
portal notices. docs/communications.md explains how the pieces fit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import (
    MailingQuerySet,
    PortalNoticeQuerySet,
    RecipientQuerySet,
    SubscriberQuerySet,
    WebcastQuerySet,
)


class Topic(models.TextChoices):
    """What a subscriber chooses to receive (the preferences page)."""

    FLASH = "flash", _("Partner Flash (monthly newsletter)")
    ANNOUNCEMENTS = "announcements", _("Pricing, product and program announcements")
    WEBCASTS = "webcasts", _("Partner webcast invitations")
    SPECIAL = "special", _("Surveys, events and other special notices")


ALL_TOPICS = [t.value for t in Topic]


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    SUBSCRIBED = "subscribed", _("Subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class SubscriberSource(models.TextChoices):
    PORTAL = "portal", _("Portal user")
    SIGNUP = "signup", _("Sign-up form")
    STAFF = "staff", _("Added by staff")


class Subscriber(models.Model):
    """One address that may receive partner communications.

    Portal users are in the audience without signing up (the list "is gathered from the Partner
    Portal"): their row is created when they are first mailed or change their preferences, with
    ``source=portal``. People without a portal account sign up through the public form (double
    opt-in: ``pending`` until they confirm). ``email`` is stored lower-cased.
    """

    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriber",
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscribers",
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    source = models.CharField(
        _("source"), max_length=20, choices=SubscriberSource.choices, default=SubscriberSource.SIGNUP
    )
    soft_bounces = models.PositiveSmallIntegerField(_("soft bounces in a row"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["email"]
        permissions = [("manage_subscriber", _("Can manage subscribers and the suppression list"))]
        indexes = [models.Index(fields=["status", "source"], name="subscriber_status_idx")]

    def __str__(self) -> str:
        return self.email

    def wants(self, topic: str) -> bool:
        """Whether the subscriber receives ``topic`` (an empty list means every topic)."""
        return not self.topics or topic in self.topics


class ConsentAction(models.TextChoices):
    SIGNUP = "signup", _("Signed up")
    CONFIRM = "confirm", _("Confirmed the subscription")
    PREFERENCES = "preferences", _("Changed preferences")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
    RESUBSCRIBE = "resubscribe", _("Subscribed again")


class ConsentMethod(models.TextChoices):
    FORM = "form", _("Public sign-up form")
    EMAIL_LINK = "email_link", _("Link in an e-mail")
    ONE_CLICK = "one_click", _("One-click unsubscribe (RFC 8058)")
    MAILTO = "mailto", _("Unsubscribe e-mail")
    PORTAL = "portal", _("Portal")
    STAFF = "staff", _("Staff")
    BOUNCE = "bounce", _("Bounce or complaint")


class Consent(models.Model):
    """Evidence of one consent decision: when, how, from where, and the text agreed to. Never changed."""

    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("subscriber"), on_delete=models.CASCADE, related_name="consents"
    )
    action = models.CharField(_("action"), max_length=20, choices=ConsentAction.choices)
    method = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    text = models.TextField(_("text agreed to"), blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    mailing = models.ForeignKey(
        "Mailing",
        verbose_name=_("mailing"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.subscriber} · {self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    SOFT_BOUNCES = "soft_bounces", _("Repeated soft bounces")
    COMPLAINT = "complaint", _("Spam complaint")
    REJECTED = "rejected", _("Refused by the mail server")
    MANUAL = "manual", _("Added by staff")


class Suppression(models.Model):
    """An address no mailing is ever sent to (every send checks this list before each message).

    Unsubscribes suppress the topic-less ``all`` scope only when the person leaves every topic; an
    unsubscribe from one topic is a preference (``Subscriber.topics``), not a suppression.
    """

    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    detail = models.TextField(_("detail"), blank=True)
    mailing = models.ForeignKey(
        "Mailing",
        verbose_name=_("mailing"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_reason_display()})"


class MailingKind(models.TextChoices):
    FLASH = "flash", _("Partner Flash edition")
    ANNOUNCEMENT = "announcement", _("Announcement")
    SPECIAL = "special", _("Special notice")
    WEBCAST = "webcast", _("Webcast invitation")


class MailingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class ChangeKind(models.TextChoices):
    PRICING = "pricing", _("Pricing change")
    PRODUCT = "product", _("Product change")
    PROGRAM = "program", _("Program change")


class Mailing(models.Model):
    """One e-mail to an audience: a Partner Flash edition, an announcement, a special notice or a
    webcast invitation. All kinds share the audience, sending, tracking and archive machinery.

    Content is Markdown (``sections`` for an edition: featured, enablement, noteworthy, deal,
    product; ``body`` for the other kinds), sanitised when rendered. ``html`` and ``text`` are the
    rendered message with per-recipient placeholders (``links.PLACEHOLDERS``), rendered once before
    the send; links in them are ``{{ch:link:N}}`` placeholders for ``MailingLink`` position N.

    ``audience`` is the filter (``audience.AUDIENCE_KEYS``): partners, roles, regions, tiers,
    programs (partner types), languages, and whether confirmed sign-ups are included.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=MailingKind.choices, default=MailingKind.FLASH)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default=Topic.FLASH)
    title = models.CharField(_("title"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    preheader = models.CharField(
        _("preview text"), max_length=200, blank=True, help_text=_("Shown after the subject in the inbox.")
    )
    slug = models.SlugField(_("archive address"), max_length=80, blank=True)
    month = models.DateField(
        _("month"), null=True, blank=True, help_text=_("First day of the edition's month.")
    )
    sections = models.JSONField(_("sections"), default=dict, blank=True)
    body = models.TextField(_("text"), blank=True)
    featured_image = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("featured image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deal_video_url = models.URLField(_("deal video"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    work_item = models.ForeignKey(
        "work.WorkItem",
        verbose_name=_("work item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailings",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MailingStatus.choices, default=MailingStatus.DRAFT, db_index=True
    )
    # The schedule: send_on by rule (editions) or chosen; send_at is the moment the send starts.
    send_on = models.DateField(_("send date"), null=True, blank=True)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True, db_index=True)
    send_on_overridden = models.BooleanField(_("send date set by hand"), default=False)
    send_on_reason = models.CharField(_("why the date was changed"), max_length=300, blank=True)
    # Announcements: the change they give notice of (30 days' notice, SPEC S11).
    change_kind = models.CharField(_("change"), max_length=20, choices=ChangeKind.choices, blank=True)
    effective_on = models.DateField(_("change takes effect"), null=True, blank=True)
    notice_override_reason = models.TextField(_("reason for less notice"), blank=True)
    notice_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("less notice allowed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notice_override_at = models.DateTimeField(_("less notice allowed"), null=True, blank=True)
    # Rendering (once per send) and the send's progress.
    html = models.TextField(_("rendered HTML"), blank=True)
    text = models.TextField(_("rendered text"), blank=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)
    test_sent_at = models.DateTimeField(_("test sent"), null=True, blank=True)
    test_sent_to = models.JSONField(_("test sent to"), default=list, blank=True)
    audience_built_at = models.DateTimeField(_("audience built"), null=True, blank=True)
    sending_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    figures_recorded_at = models.DateTimeField(_("figures recorded"), null=True, blank=True)
    # Editions: content reopened after the feedback cut-off (editions.edition_unlock).
    content_unlocked_at = models.DateTimeField(_("content unlocked"), null=True, blank=True)
    content_unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("content unlocked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content_unlock_reason = models.CharField(_("why the content was unlocked"), max_length=500, blank=True)
    public = models.BooleanField(
        _("in the public archive"), default=False, help_text=_("Partner Flash editions are, once sent.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MailingQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-send_on", "-id"]
        permissions = [
            ("manage_mailing", _("Can author, test and schedule mailings")),
            ("override_notice", _("Can allow an announcement with less than 30 days' notice")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "month"], condition=Q(kind="flash"), name="mailing_one_flash_per_month"
            ),
            models.UniqueConstraint(fields=["slug"], condition=~Q(slug=""), name="mailing_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class MailingLink(models.Model):
    """One link of a rendered mailing: clicks are counted per link (``{{ch:link:N}}`` in the HTML)."""

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("mailing"), on_delete=models.CASCADE, related_name="links"
    )
    position = models.PositiveIntegerField(_("position"))
    url = models.URLField(_("address"), max_length=2000)
    label = models.CharField(_("text"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering = ["mailing_id", "position"]
        constraints = [models.UniqueConstraint(fields=["mailing", "position"], name="mailinglink_once")]

    def __str__(self) -> str:
        return self.url


class RecipientStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SUPPRESSED = "suppressed", _("Not sent (suppressed)")


class Recipient(models.Model):
    """One address of one mailing's audience, and what happened to its message.

    The rows are written once when the audience is built (unique per mailing and address); the
    sender claims pending rows in batches with a lease, so a killed send resumes where it stopped.
    The e-mail's Message-ID is derived from the mailing and the row (``links.message_id``).
    First open and click times and counts are kept here for the lists; ``Event`` has every event.
    """

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("mailing"), on_delete=models.CASCADE, related_name="recipients"
    )
    subscriber = models.ForeignKey(
        Subscriber,
        verbose_name=_("subscriber"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recipients",
    )
    email = models.EmailField(_("e-mail"), max_length=254)
    name = models.CharField(_("name"), max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RecipientStatus.choices, default=RecipientStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    smtp_code = models.PositiveSmallIntegerField(_("server reply"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    opens = models.PositiveIntegerField(_("opens"), default=0)
    machine_open = models.BooleanField(_("opened by a mail privacy proxy"), default=False)
    clicked_at = models.DateTimeField(_("first clicked"), null=True, blank=True)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["mailing_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mailing", "email"], name="recipient_once_per_mailing")
        ]
        indexes = [
            models.Index(fields=["mailing", "status", "next_attempt_at"], name="recipient_due_idx"),
            models.Index(fields=["email"], name="recipient_email_idx"),
            models.Index(fields=["partner", "mailing"], name="recipient_partner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.mailing}"


class EventKind(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    OPEN = "open", _("Opened")
    CLICK = "click", _("Clicked")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    SOFT_BOUNCE = "soft_bounce", _("Soft bounce")
    COMPLAINT = "complaint", _("Complaint")
    FAILED = "failed", _("Refused by the server")
    FEEDBACK = "feedback", _("Feedback")


class Event(models.Model):
    """One thing that happened to one recipient's message (the per-subscriber history)."""

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("mailing"), on_delete=models.CASCADE, related_name="events"
    )
    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    link = models.ForeignKey(
        MailingLink,
        verbose_name=_("link"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    machine = models.BooleanField(_("machine (privacy proxy or scanner)"), default=False)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["mailing", "kind"], name="commevent_mailing_kind_idx"),
            models.Index(fields=["recipient", "at"], name="commevent_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient}"


class Feedback(models.Model):
    """A reader's one-click rating (1–5) of a mailing, with an optional comment; one per recipient."""

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("mailing"), on_delete=models.CASCADE, related_name="feedback"
    )
    recipient = models.OneToOneField(
        Recipient, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5")
        ]

    def __str__(self) -> str:
        return f"{self.rating} · {self.mailing}"


class WebcastKind(models.TextChoices):
    REGIONAL = "regional", _("Monthly regional session")
    PROGRAM = "program", _("Quarterly program webcast")


class Webcast(models.Model):
    """One session of the partner webcast series (the calendar staff maintain).

    The Partner Flash's send date follows it: the first Thursday of the month after the month's
    series ends (``schedule.py``).
    """

    kind = models.CharField(
        _("kind"), max_length=20, choices=WebcastKind.choices, default=WebcastKind.REGIONAL
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    region = models.ForeignKey(
        "partners.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for a session for every region."),
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    time_zone = models.CharField(_("time zone"), max_length=60, default="UTC")
    registration_url = models.URLField(_("registration link"), max_length=500, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WebcastQuerySet.as_manager()

    class Meta:
        verbose_name = _("webcast")
        verbose_name_plural = _("webcasts")
        ordering = ["starts_at", "id"]
        permissions = [("manage_webcast", _("Can maintain the webcast calendar"))]

    def __str__(self) -> str:
        return self.title


class PortalNotice(models.Model):
    """A notice on the portal home for all partner people or a subset, between two dates, until each
    person dismisses it. ``audience`` uses the same filter as mailings (no sign-ups)."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, max_length=3000)
    link_url = models.URLField(_("link"), max_length=500, blank=True)
    link_label = models.CharField(_("link text"), max_length=100, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    starts_on = models.DateField(_("shown from"))
    ends_on = models.DateField(_("shown until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = PortalNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("portal notice")
        verbose_name_plural = _("portal notices")
        ordering = ["-starts_on", "-id"]
        permissions = [("manage_portalnotice", _("Can publish portal notices"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="notice_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.title


class NoticeDismissal(models.Model):
    notice = models.ForeignKey(PortalNotice, on_delete=models.CASCADE, related_name="dismissals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dismissed notice")
        verbose_name_plural = _("dismissed notices")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notice_dismissed_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.notice}"
