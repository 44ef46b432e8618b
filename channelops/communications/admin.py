"""Partner communications in the data admin: read-only. Mailings, subscribers, the suppression list,
webcasts and notices change through their services (the console's pages: rules, consent records,
audit comments on work items); consent records, recipients, events and feedback are evidence."""

from django.contrib import admin

from channelops.core.admin import ReadOnlyAdmin

from .models import (
    Consent,
    Event,
    Feedback,
    Mailing,
    MailingLink,
    PortalNotice,
    Recipient,
    Subscriber,
    Suppression,
    Webcast,
)


@admin.register(Mailing)
class MailingAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "send_on", "send_at", "sent_at", "public"]
    list_filter = ["kind", "status", "public"]
    search_fields = ["title", "subject", "slug"]
    exclude = ["html", "text"]


@admin.register(MailingLink)
class MailingLinkAdmin(ReadOnlyAdmin):
    list_display = ["mailing", "position", "url"]
    search_fields = ["url", "mailing__title"]
    list_select_related = ["mailing"]


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnlyAdmin):
    list_display = ["email", "name", "status", "source", "partner", "language", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["email", "name", "company"]
    list_select_related = ["partner"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["subscriber", "action", "method", "at", "ip_address"]
    list_filter = ["action", "method"]
    search_fields = ["subscriber__email"]
    list_select_related = ["subscriber"]


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]


@admin.register(Recipient)
class RecipientAdmin(ReadOnlyAdmin):
    list_display = ["email", "mailing", "status", "sent_at", "opened_at", "clicked_at"]
    list_filter = ["status"]
    search_fields = ["email", "mailing__title"]
    list_select_related = ["mailing"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["kind", "recipient", "mailing", "at", "machine"]
    list_filter = ["kind", "machine"]
    search_fields = ["recipient__email", "mailing__title"]
    list_select_related = ["recipient", "mailing"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["mailing", "rating", "at"]
    list_filter = ["rating"]
    list_select_related = ["mailing"]


@admin.register(Webcast)
class WebcastAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "region", "starts_at", "time_zone", "cancelled"]
    list_filter = ["kind", "cancelled"]
    search_fields = ["title"]
    list_select_related = ["region"]


@admin.register(PortalNotice)
class PortalNoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "starts_on", "ends_on", "urgent"]
    search_fields = ["title"]
