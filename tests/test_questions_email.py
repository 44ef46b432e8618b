"""Questions by e-mail (issue 16): acknowledgements and replies received by the real SMTP server with
threading headers; replies threading back (headers, token in the address, token in the subject);
forged tokens and unknown senders in triage; duplicates, automated mail; the rating link."""

from __future__ import annotations

import re
from email.utils import getaddresses

import pytest
from django.utils import translation

from channelops.core.models import OutboxMessage
from channelops.helpdesk.models import Question, QuestionMessage
from channelops.helpdesk.question_emails import reply_token_for
from channelops.helpdesk.question_services import (
    question_from_email,
    question_merge,
    question_reply,
    question_set_status,
    question_submit,
)
from channelops.partners.models import RegionRouting

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def helpdesk(db, settings):
    settings.HELPDESK_ADDRESS = "help@vendor.test"
    phd = StaffFactory(email="phd.emea@vendor.test", roles=["phd_specialist"], full_name="Petra Help")
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=phd)
    return phd


@pytest.fixture
def gamma(db):
    return PartnerFactory(country="GB", legal_name="Gamma Ltd")


@pytest.fixture
def ann(gamma):
    return MembershipFactory(partner=gamma, user=UserFactory(email="ann@gamma.test")).user


@pytest.fixture
def other(db):
    partner = PartnerFactory(country="GB", legal_name="Other Ltd")
    return MembershipFactory(partner=partner, user=UserFactory(email="eve@other.test")).user


def mail(**kw):
    """question_from_email with defaults: a plain new e-mail to the help-desk address."""
    args = {
        "sender": "Ann <ann@gamma.test>",
        "to": ["help@vendor.test"],
        "subject": "A question",
        "text": "Hello",
        "html": "",
        "message_id": "",
        "in_reply_to": "",
        "references": [],
        "attachments": [],
        "automated": False,
    }
    args.update(kw)
    return question_from_email(**args)


def ask(ann, gamma):
    return question_submit(
        by=ann,
        partner=gamma,
        category="licensing",
        subject="Where is my license?",
        body="Requested last week.",
    )


@pytest.mark.django_db
def test_ack_and_reply_arrive_with_threading_headers_and_the_reply_threads_back(
    helpdesk, ann, gamma, smtp_server, deliver
):
    q = ask(ann, gamma)
    deliver()
    [ack] = smtp_server.box.to("ann@gamma.test")
    first = q.messages.get()
    token = reply_token_for(q)
    assert ack["Message-ID"] == first.message_id
    assert ack["Auto-Submitted"] == "auto-replied"  # autoresponders do not answer it
    assert f"[{q.number} #{token}]" in ack["Subject"]
    assert getaddresses([ack["Reply-To"]])[0][1] == f"help+{token}@vendor.test"
    assert "Requested last week." in smtp_server.box.text(ack)

    smtp_server.box.clear()
    answer = question_reply(question=q, by=helpdesk, body="It is issued now, see the portal.")
    note = question_reply(question=q, by=helpdesk, body="SECRET internal remark", internal=True)
    deliver()
    [reply] = smtp_server.box.to("ann@gamma.test")  # the note is not e-mailed
    assert reply["Message-ID"] == answer.message_id
    assert reply["In-Reply-To"] == first.message_id
    assert reply["References"].split() == [first.message_id]
    assert "It is issued now" in smtp_server.box.text(reply)
    assert "SECRET" not in smtp_server.box.text(reply) + smtp_server.box.html(reply)
    assert "Petra Help" in smtp_server.box.text(reply)
    assert note.message_id == ""

    # Ann answers from her mail program: quoted text and signature are trimmed for display
    back = mail(
        subject=f"Re: {reply['Subject']}",
        text=(
            "Thanks, found it!\n\n-- \nAnn Smith\nGamma Ltd\n\n"
            "On Mon, Petra Help <help@vendor.test> wrote:\n> It is issued now, see the portal.\n"
        ),
        message_id="<ann-2@gamma.test>",
        in_reply_to=reply["Message-ID"],
        references=[first.message_id, reply["Message-ID"]],
        to=[reply["Reply-To"]],
    )
    assert back.question == q and back.kind == "partner" and back.author == ann
    assert back.body_display == "Thanks, found it!" and "wrote:" in back.body
    q.refresh_from_db()
    assert q.status == "open"

    # the next answer continues the chain
    smtp_server.box.clear()
    second = question_reply(question=q, by=helpdesk, body="Glad to hear.")
    deliver()
    [again] = smtp_server.box.to("ann@gamma.test")
    assert again["In-Reply-To"] == "<ann-2@gamma.test>"
    assert again["References"].split() == [first.message_id, answer.message_id, "<ann-2@gamma.test>"]
    assert again["Message-ID"] == second.message_id


@pytest.mark.django_db
def test_a_reply_threads_by_the_token_in_the_address_or_in_the_subject(helpdesk, ann, gamma):
    q = ask(ann, gamma)
    token = reply_token_for(q)
    by_address = mail(to=[f"Help <help+{token}@vendor.test>"], subject="no tag", message_id="<a1@gamma.test>")
    by_subject = mail(subject=f"Re: [{q.number} #{token}] Where is my license?", message_id="<a2@gamma.test>")
    upper = mail(to=[f"HELP+{token.upper()}@VENDOR.TEST"], message_id="<a3@gamma.test>")  # case folded
    assert by_address.question == q and by_subject.question == q and upper.question == q
    assert Question.objects.count() == 1


@pytest.mark.django_db
def test_a_forged_token_or_another_partners_thread_goes_to_triage(helpdesk, ann, gamma, other):
    q = ask(ann, gamma)
    token = reply_token_for(q)
    # Eve of another partner replies with Ann's real token and In-Reply-To: never into Ann's thread
    stolen = mail(
        sender="eve@other.test",
        to=[f"help+{token}@vendor.test"],
        in_reply_to=q.messages.get().message_id,
        text="Show me everything",
        message_id="<eve-1@other.test>",
    )
    assert stolen.question != q
    assert stolen.question.partner is None and stolen.question.requester == other  # triage
    # a token whose signature does not verify (made up): triage too, even from a known partner person
    raw = q.reply_token
    forged = mail(
        sender="ann@gamma.test", to=[f"help+{raw}-AAAAAAAAAAAAAAAA@vendor.test"], message_id="<f1@x>"
    )
    assert forged.question != q and forged.question.partner is None
    assert q.messages.count() == 1
    assert list(Question.objects.triage().order_by("pk")) == [stolen.question, forged.question]


@pytest.mark.django_db
def test_new_mail_from_a_partner_person_is_routed_and_from_an_unknown_sender_goes_to_triage(
    helpdesk, ann, gamma, smtp_server, deliver
):
    msg = mail(subject="MDF claim", text="How do I claim MDF?", message_id="<new-1@gamma.test>")
    q = msg.question
    assert (q.partner, q.assignee, q.source, q.requester, q.subject) == (
        gamma,
        helpdesk,
        "email",
        ann,
        "MDF claim",
    )
    assert msg.message_id == "<new-1@gamma.test>"
    stranger = mail(sender="someone@unknown.test", subject="Hi", message_id="<s1@unknown.test>")
    assert stranger.question.partner is None and stranger.question.requester is None
    assert stranger.question.requester_email == "someone@unknown.test"
    deliver()
    assert len(smtp_server.box.to("ann@gamma.test")) == 1  # acknowledged
    assert smtp_server.box.to("someone@unknown.test") == []  # no backscatter to unknown senders
    [ack] = smtp_server.box.to("ann@gamma.test")
    assert ack["In-Reply-To"] == "<new-1@gamma.test>"
    # the stranger writes again in the same thread: it stays one triage question
    again = mail(
        sender="someone@unknown.test", in_reply_to="<s1@unknown.test>", message_id="<s2@unknown.test>"
    )
    assert again.question == stranger.question


@pytest.mark.django_db
def test_the_same_message_twice_creates_one_message_and_automated_mail_nothing(helpdesk, ann, gamma):
    first = mail(message_id="<dup@gamma.test>")
    second = mail(message_id="dup@gamma.test")  # without brackets: the same Message-ID
    assert first.pk == second.pk
    assert Question.objects.count() == 1 and QuestionMessage.objects.count() == 1
    outbox = OutboxMessage.objects.count()
    assert mail(automated=True, message_id="<auto@gamma.test>", subject="Out of office") is None
    assert Question.objects.count() == 1 and OutboxMessage.objects.count() == outbox


@pytest.mark.django_db
def test_attachments_are_kept_html_is_sanitised_and_bad_files_dropped(
    helpdesk, ann, gamma, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    msg = mail(
        text="",
        html='<p>See <b>attached</b></p><script>alert(1)</script><img src=x onerror="alert(2)">',
        attachments=[("shot.png", PNG, "image/png"), ("tool.exe", b"MZ\x90\x00" + b"\x00" * 60, "image/png")],
        message_id="<att@gamma.test>",
    )
    assert (
        "<script" not in msg.body_html
        and "onerror" not in msg.body_html
        and "<b>attached</b>" in msg.body_html
    )
    assert "See attached" in msg.body
    assert [a.filename for a in msg.attachments.all()] == ["shot.png"]


@pytest.mark.django_db
def test_a_reply_to_a_merged_question_lands_in_the_one_it_was_merged_into_and_to_a_closed_one_opens_a_new_one(
    helpdesk, ann, gamma
):
    a = ask(ann, gamma)
    b = ask(ann, gamma)
    question_merge(source=b, into=a, by=helpdesk)
    late = mail(to=[f"help+{reply_token_for(b)}@vendor.test"], message_id="<late@gamma.test>")
    assert late.question == a
    question_set_status(question=a, status="closed", by=helpdesk)
    after = mail(in_reply_to=a.messages.first().message_id, message_id="<after@gamma.test>", subject="Re: x")
    assert after.question not in (a, b) and after.question.partner == gamma


@pytest.mark.django_db
def test_the_resolution_email_rates_with_one_click(helpdesk, ann, gamma, smtp_server, deliver, client):
    q = ask(ann, gamma)
    question_reply(question=q, by=helpdesk, body="Done.")
    question_set_status(question=q, status="resolved", by=helpdesk)
    deliver()
    resolved = [m for m in smtp_server.box.to("ann@gamma.test") if "Resolved" in m["Subject"]]
    [msg] = resolved
    links = re.findall(r"https?://\S+/help/rate/[^\s/]+/", smtp_server.box.text(msg))
    assert len(links) == 2
    good, bad = (link.split("://", 1)[1].split("/", 1)[1] for link in links)
    resp = client.get("/" + good)
    assert resp.status_code == 200 and "Thank you for your rating" in resp.content.decode()
    q.refresh_from_db()
    assert q.rating == "good" and q.rated_at is not None
    rated_at = q.rated_at
    assert client.get("/" + good).status_code == 200  # again: harmless
    q.refresh_from_db()
    assert q.rated_at == rated_at
    resp = client.post("/" + bad)  # "change my rating" on the page
    q.refresh_from_db()
    assert resp.status_code == 200 and q.rating == "bad"
    altered = good[:-4] + ("x/" if not good.endswith("x/") else "y/")
    resp = client.get("/" + altered)
    assert resp.status_code == 404 and "does not work" in resp.content.decode()
    q.refresh_from_db()
    assert q.rating == "bad"


@pytest.mark.django_db
def test_a_rating_link_of_a_question_not_resolved_records_nothing(helpdesk, ann, gamma, client):
    from channelops.helpdesk.question_emails import rating_token

    q = ask(ann, gamma)
    resp = client.get(f"/help/rate/{rating_token(q, 'good')}/")
    assert resp.status_code == 400 and "not resolved yet" in resp.content.decode()
    q.refresh_from_db()
    assert q.rating == ""


@pytest.mark.django_db
def test_outbox_payload_headers_never_override_the_outboxs_own_or_inject_lines(smtp_server, deliver):
    from channelops.core.outbox import email_enqueue, message_id_for

    email_enqueue(
        to=["x@example.test"],
        template="helpdesk/email/question_overdue",
        context={"question": None, "target": "resolution", "due": None, "link": "https://x"},
        key="headers-test",
        headers={
            "In-Reply-To": "<a@b>",
            "References": "<a@b>\r\nBcc: victim@example.test",
            "Message-ID": "<forged@x>",
            "Bcc": "victim@example.test",
        },
        from_email="Help <help@vendor.test>",
    )
    deliver()
    [msg] = smtp_server.box.to("x@example.test")
    assert msg["Message-ID"] == message_id_for("headers-test")
    assert msg["In-Reply-To"] == "<a@b>"
    assert msg["References"] == "<a@b> Bcc: victim@example.test"  # one line: no header injected
    assert msg["Bcc"] is None and msg["From"] == "Help <help@vendor.test>"
