"""factory_boy factories of partner communications for the tracking and metrics tests
(channelops/communications): mailings with links, recipients in any state, events and feedback.

A factory writes rows directly (no service rules): use it to arrange a state (a sent mailing and
its recipients), then the public URLs, the services or the pages to act on it.
"""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from channelops.communications.models import (
    Event,
    EventKind,
    Feedback,
    Mailing,
    MailingKind,
    MailingLink,
    MailingStatus,
    Recipient,
    RecipientStatus,
)

from .factories import PartnerFactory


class SentMailingFactory(factory.django.DjangoModelFactory):
    """A Partner Flash edition sent a day before the test clock's now (one per month: pass ``month``)."""

    class Meta:
        model = Mailing

    kind = MailingKind.FLASH
    title = factory.Sequence(lambda n: f"Partner Flash {n}")
    subject = factory.SelfAttribute("title")
    month = factory.Sequence(lambda n: datetime.date(2020 + n // 12, n % 12 + 1, 1))
    status = MailingStatus.SENT
    send_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    sending_started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    sent_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))


class MailingLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailingLink

    mailing = factory.SubFactory(SentMailingFactory)
    position = factory.Sequence(lambda n: n + 1)
    url = factory.LazyAttribute(lambda o: f"https://vendor.example/flash/link-{o.position}")
    label = factory.LazyAttribute(lambda o: f"Link {o.position}")


class RecipientFactory(factory.django.DjangoModelFactory):
    """A recipient whose message was sent (an hour after the mailing's start)."""

    class Meta:
        model = Recipient

    mailing = factory.SubFactory(SentMailingFactory)
    email = factory.Sequence(lambda n: f"reader{n}@partner.example")
    name = factory.Sequence(lambda n: f"Reader {n}")
    partner = factory.SubFactory(PartnerFactory, country="GB")
    status = RecipientStatus.SENT
    attempts = 1
    sent_at = factory.LazyAttribute(
        lambda o: (o.mailing.sending_started_at or timezone.now()) + datetime.timedelta(hours=1)
    )


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    recipient = factory.SubFactory(RecipientFactory)
    mailing = factory.SelfAttribute("recipient.mailing")
    kind = EventKind.UNSUBSCRIBE


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    recipient = factory.SubFactory(RecipientFactory)
    mailing = factory.SelfAttribute("recipient.mailing")
    rating = 4
