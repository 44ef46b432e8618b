"""Inbound e-mail (docs/inbound-email.md): every message received, stored raw once, and the IMAP
cursors that make a poll fetch only new messages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MANAGE_PERM = "inbound.manage_inboundmessage"
VIEW_PERM = "inbound.view_inboundmessage"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # stored, not routed yet
    ROUTED = "routed", _("Routed")  # a handler took it
    IGNORED = "ignored", _("Ignored")  # automated mail (auto-reply, bounce) handled or dropped
    DEAD = "dead", _("Dead letter")  # could not be parsed or routed: kept, to retry or discard
    DISCARDED = "discarded", _("Discarded")  # a dead letter staff discarded (the raw source is kept)


class InboundMessage(models.Model):
    raw = models.BinaryField(_("raw source"))
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=200)  # imap:<mailbox> / webhook:<esp> / cli
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    automated = models.BooleanField(_("automated"), default=False)
    handler = models.CharField(_("handler"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "id"])]
        permissions = [("manage_inboundmessage", "Can retry and discard inbound e-mail dead letters")]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")

    def __str__(self) -> str:
        return self.subject or self.message_id or f"#{self.pk}"


class ImapCursor(models.Model):
    """Where the poll of one mailbox stands: UIDs up to ``last_uid`` are stored (and valid while the
    server's UIDVALIDITY stays ``uidvalidity``)."""

    key = models.CharField(max_length=400, unique=True)  # user@host:port/mailbox
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key} @ {self.last_uid}"
