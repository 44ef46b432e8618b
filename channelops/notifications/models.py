"""Notification rules (who watches what, when and how) and the notifications they produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import NotificationQuerySet, NotificationRuleQuerySet


class When(models.TextChoices):
    ANY_CHANGE = "any_change", _("Any change is made")
    NEW_SUBMISSION = "new_submission", _("A new item is submitted")


class How(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail right away")
    DIGEST = "digest", _("Daily digest")


class Scope(models.TextChoices):
    """Which of the queue's items a staff rule covers (partner people always see only their partner's)."""

    ALL = "all", _("Every partner")
    MY_REGIONS = "my_regions", _("Partners in my regions")
    MY_PARTNERS = "my_partners", _("Partners I manage")


class NotificationRule(models.Model):
    """One person's rule for one watchable queue (see ``registry.py``): when, and how to be told.

    A person has at most one rule per queue. The queue key is checked against the registry
    by the service (keys of features that were removed simply match nothing). ``scope`` narrows a
    staff rule to the partners (and applications) of the regions the person is PHD specialist for,
    or to the partners the person is CAM of.

    ``default_role`` is set on the rules suggested for a role (``defaults.py``): the rules page
    says "suggested for your role"; ``edited_at`` is set when the person changes one, which makes
    it theirs (a later role change never removes it).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_rules",
    )
    watch = models.CharField(_("watch"), max_length=50)
    when = models.CharField(_("notify me when"), max_length=20, choices=When.choices, default=When.ANY_CHANGE)
    how = models.CharField(_("notify me with"), max_length=20, choices=How.choices, default=How.DIGEST)
    scope = models.CharField(_("for"), max_length=20, choices=Scope.choices, default=Scope.ALL)
    default_role = models.CharField(_("suggested for the role"), max_length=40, blank=True)
    edited_at = models.DateTimeField(_("changed by the person"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = NotificationRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        ordering = ["user_id", "watch"]
        constraints = [
            models.UniqueConstraint(fields=["user", "watch"], name="notificationrule_one_per_watch")
        ]
        indexes = [models.Index(fields=["watch", "when"], name="notificationrule_watch_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.watch} · {self.get_when_display()} · {self.get_how_display()}"

    @property
    def watch_label(self) -> str:
        from .registry import get_watchable

        w = get_watchable(self.watch)
        return str(w.label) if w else self.watch

    @property
    def is_suggested(self) -> bool:
        """Suggested for the person's role and not changed by them since."""
        return bool(self.default_role) and self.edited_at is None

    @property
    def default_role_label(self) -> str:
        from .defaults import role_label

        return role_label(self.default_role) if self.default_role else ""


class DismissedDefault(models.Model):
    """A suggested rule the person deleted: role syncs never suggest a rule for this queue again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="dismissed_notification_defaults",
    )
    watch = models.CharField(_("watch"), max_length=50)
    role = models.CharField(_("suggested for the role"), max_length=40, blank=True)
    dismissed_at = models.DateTimeField(_("deleted"), default=timezone.now)

    class Meta:
        verbose_name = _("deleted suggested rule")
        verbose_name_plural = _("deleted suggested rules")
        ordering = ["user_id", "watch"]
        constraints = [
            models.UniqueConstraint(fields=["user", "watch"], name="dismisseddefault_one_per_watch")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.watch}"


class Notification(models.Model):
    """One change told to one person: listed in-app; e-mailed right away or in the daily digest.

    ``how`` is the rule's delivery when the change happened. Digest rows are e-mailed once:
    ``digest_key`` (the outbox key ``digest:<user>:<date>``) and ``digested_at`` are set when a
    digest lists them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    watch = models.CharField(_("watch"), max_length=50)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
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
        on_delete=models.CASCADE,
        related_name="+",
    )
    how = models.CharField(_("delivery"), max_length=20, choices=How.choices, default=How.DIGEST)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    digest_key = models.CharField(_("digest"), max_length=100, blank=True)
    digested_at = models.DateTimeField(_("in a digest since"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
            models.Index(
                fields=["user", "created_at"],
                condition=Q(how="digest", digested_at__isnull=True),
                name="notification_digest_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
