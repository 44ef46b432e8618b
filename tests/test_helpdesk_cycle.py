"""The help desk's full cycle against real servers (issue 16): a partner e-mails the help-desk
address (into Dovecot, read by the IMAP poll), the question appears routed to the region's PHD
specialist, the specialist replies in the console, the reply reaches the partner (aiosmtpd) with
threading headers, the partner's e-mailed reply threads back into the same question, and the
partner reads the whole thread in the portal. A forged thread from another partner goes to triage."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from channelops.helpdesk.models import MessageKind, Question
from channelops.inbound.models import InboundMessage, InboundStatus
from channelops.partners.models import RegionRouting

from .dovecot import dovecot, imap_inbox  # noqa: F401  (fixtures)
from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def desk(settings):
    settings.HELPDESK_ADDRESS = "help@vendor.test"
    emea = StaffFactory(email="phd.emea@vendor.test", roles=["phd_specialist"], full_name="Petra Help")
    amer = StaffFactory(email="phd.amer@vendor.test", roles=["phd_specialist"], full_name="Alex Help")
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=emea)
    RegionRouting.objects.filter(region__code="AMER").update(phd_specialist=amer)
    return emea


def email(*, sender: str, subject: str, text: str, in_reply_to: str = "", references: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Partner Help Desk <help@vendor.test>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = make_msgid(domain="partner.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    msg.set_content(text)
    return bytes(msg)


def poll() -> None:
    call_command("inbound", "poll", "--once", "--quiet")


def test_an_emailed_question_is_routed_answered_and_threaded_back(
    desk, imap_inbox, smtp_server, deliver, client
) -> None:
    gamma = PartnerFactory(country="GB", legal_name="Gamma Ltd")  # EMEA
    ann = MembershipFactory(
        partner=gamma, user=UserFactory(email="ann@gamma.test", full_name="Ann Gamma")
    ).user

    # 1. The partner e-mails the help-desk address; the mailbox is Dovecot, read over IMAP.
    imap_inbox.append(
        email(
            sender="Ann Gamma <ann@gamma.test>",
            subject="NFR licence missing",
            text="Our licence has not arrived.",
        )
    )
    poll()
    question = Question.objects.get()
    assert (question.partner, question.region.code, question.assignee) == (gamma, "EMEA", desk)
    assert question.requester == ann and question.source == "email"
    assert InboundMessage.objects.get().status == InboundStatus.ROUTED
    deliver()
    [ack] = smtp_server.box.to("ann@gamma.test")
    assert question.number in ack["Subject"]
    smtp_server.box.clear()

    # 2. The specialist sees it in the region's queue and replies in the console.
    client.force_login(desk)
    queue = client.get(reverse("console:questions") + "?queue=mine")
    assert queue.status_code == 200 and question.subject in queue.content.decode()
    page = reverse("console:question", args=[question.pk])
    response = client.post(page, {"action": "reply", "body": "It is on its way — re-sent just now."})
    assert response.status_code == 302
    deliver()
    [reply] = smtp_server.box.to("ann@gamma.test")
    partner_first = question.messages.get(kind=MessageKind.PARTNER)
    staff_reply = question.messages.get(kind=MessageKind.STAFF)
    assert reply["Message-ID"] == staff_reply.message_id
    assert reply["In-Reply-To"] == partner_first.message_id
    assert partner_first.message_id in reply["References"]
    [(_name, reply_to)] = getaddresses([reply["Reply-To"]])
    assert reply_to.startswith("help+") and reply_to.endswith("@vendor.test")
    assert "re-sent just now" in smtp_server.box.text(reply)

    # 3. The partner answers that e-mail (quoting it, with a signature); it threads back.
    imap_inbox.append(
        email(
            sender="Ann Gamma <ann@gamma.test>",
            subject="Re: " + reply["Subject"],
            text="Got it, thanks!\n\n-- \nAnn Gamma\nGamma Ltd\n\nOn Monday, Petra wrote:\n> It is on its way",
            in_reply_to=reply["Message-ID"],
            references=f"{partner_first.message_id} {reply['Message-ID']}",
        )
    )
    poll()
    assert Question.objects.count() == 1
    answer = question.messages.filter(kind=MessageKind.PARTNER).latest("pk")
    assert answer.body_display.strip() == "Got it, thanks!"
    question.refresh_from_db()
    assert question.status == "open"

    # 4. The partner reads the whole thread in the portal.
    client.force_login(ann)
    thread = client.get(reverse("portal:question", args=[question.pk]))
    text = thread.content.decode()
    assert thread.status_code == 200
    for expected in ("Our licence has not arrived.", "re-sent just now", "Got it, thanks!"):
        assert expected in text
    assert "On Monday, Petra wrote" not in text  # quoted text trimmed


def test_a_forged_thread_from_another_partner_goes_to_triage(desk, imap_inbox, smtp_server, deliver) -> None:
    gamma = PartnerFactory(country="GB", legal_name="Gamma Ltd")
    MembershipFactory(partner=gamma, user=UserFactory(email="ann@gamma.test"))
    other = PartnerFactory(country="US", legal_name="Other Inc")  # AMER
    MembershipFactory(partner=other, user=UserFactory(email="eve@other.test"))
    imap_inbox.append(email(sender="ann@gamma.test", subject="Private matter", text="Our pricing is secret."))
    poll()
    gamma_question = Question.objects.get()
    first_id = gamma_question.messages.get().message_id
    # Eve of another partner replies "into" Gamma's question by its Message-ID.
    imap_inbox.append(
        email(sender="eve@other.test", subject="Re: Private matter", text="Let me in", in_reply_to=first_id)
    )
    poll()
    assert gamma_question.messages.count() == 1
    eve_question = Question.objects.exclude(pk=gamma_question.pk).get()
    assert eve_question.partner is None  # triage: never another partner's thread
    # An auto-reply to the help desk creates nothing and is never answered.
    auto = email(sender="ann@gamma.test", subject="Out of office", text="I am away")
    auto = auto.replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1)
    deliver()  # the acknowledgement of Ann's question
    smtp_server.box.clear()
    imap_inbox.append(auto)
    poll()
    deliver()
    assert Question.objects.count() == 2
    assert InboundMessage.objects.filter(status=InboundStatus.IGNORED).count() == 1
    assert smtp_server.box.to("ann@gamma.test") == []
