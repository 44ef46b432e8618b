"""Questions (S9, issue 16): submitting, routing to the region's specialist and queue, statuses,
internal notes, merge, permissions, attachments, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.helpdesk.models import Question, QuestionAttachment, QuestionMessage
from channelops.helpdesk.question_services import (
    question_assign,
    question_merge,
    question_partner_reply,
    question_reply,
    question_set_partner,
    question_set_priority,
    question_set_status,
    question_submit,
)
from channelops.partners.models import EngagementEvent, Region, RegionRouting

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
def routed(db, phd_emea):
    """EMEA's questions go to phd_emea; AMER's to another specialist."""
    phd_amer = StaffFactory(email="phd.amer@vendor.test", roles=["phd_specialist"])
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=phd_emea)
    RegionRouting.objects.filter(region__code="AMER").update(phd_specialist=phd_amer)
    return {"EMEA": phd_emea, "AMER": phd_amer}


@pytest.fixture
def gb_partner(db):
    return PartnerFactory(country="GB", legal_name="Gamma Ltd")


@pytest.fixture
def asker(gb_partner):
    return MembershipFactory(partner=gb_partner, role="user", user=UserFactory(email="ask@gamma.test")).user


def ask(by, partner, **kw):
    return question_submit(
        by=by,
        partner=partner,
        category=kw.pop("category", "licensing"),
        subject=kw.pop("subject", "Where is my NFR license?"),
        body=kw.pop("body", "I requested it last week."),
        **kw,
    )


@pytest.mark.django_db
def test_a_question_is_routed_to_the_partners_region_specialist_with_a_number_and_targets(
    routed, asker, gb_partner
):
    q = ask(asker, gb_partner)
    assert q.number == "Q-000001" or q.number.startswith("Q-")
    assert (q.partner, q.region.code, q.assignee, q.status, q.priority, q.source) == (
        gb_partner,
        "EMEA",
        routed["EMEA"],
        "new",
        "normal",
        "portal",
    )
    assert q.requester == asker and q.requester_email == "ask@gamma.test"
    assert q.first_response_due > q.created_at and q.resolution_due > q.first_response_due
    [first] = q.messages.all()
    assert (first.kind, first.author, first.body) == ("partner", asker, "I requested it last week.")
    assert first.message_id  # the acknowledgement's Message-ID: replies to it thread here
    assert OutboxMessage.objects.filter(idempotency_key=f"question:{q.pk}:ack").exists()
    assert EngagementEvent.objects.filter(partner=gb_partner, kind="question").count() == 1
    assert q.history.first().history_user == asker  # audited

    amer = PartnerFactory(country="GB", region=Region.objects.get(code="AMER"))
    person = MembershipFactory(partner=amer, user=UserFactory(email="x@amer.test")).user
    assert ask(person, amer).assignee == routed["AMER"]
    second = Question.objects.exclude(pk=q.pk).get()
    assert int(second.number[2:]) == int(q.number[2:]) + 1


@pytest.mark.django_db
def test_a_region_without_a_specialist_leaves_the_question_in_the_regions_shared_queue(asker, gb_partner):
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=None)
    q = ask(asker, gb_partner)
    assert q.assignee is None and q.region.code == "EMEA"
    assert list(Question.objects.in_region(q.region).unassigned()) == [q]


@pytest.mark.django_db
def test_bad_input_changes_nothing(asker, gb_partner):
    for kw, field in (
        ({"subject": "  "}, "subject"),
        ({"body": ""}, "body"),
        ({"category": "nonsense"}, "category"),
        ({"attachments": [("evil.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/pdf")]}, "attachments"),
        ({"attachments": [("notes.txt", b"\xff\xfe\x00bin", "text/plain")]}, "attachments"),
    ):
        with pytest.raises(ValidationError) as exc:
            ask(asker, gb_partner, **kw)
        assert field in exc.value.message_dict
    assert not Question.objects.exists() and not QuestionMessage.objects.exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_attachments_are_checked_by_content_and_stored_under_a_generated_name(
    asker, gb_partner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    q = ask(
        asker, gb_partner, attachments=[("screen shot.png", PNG, "text/plain"), ("log.txt", b"line 1\n", "")]
    )
    atts = list(QuestionAttachment.objects.filter(message__question=q).order_by("pk"))
    assert [(a.filename, a.content_type) for a in atts] == [
        ("screen shot.png", "image/png"),
        ("log.txt", "text/plain"),
    ]
    assert atts[1].size == 7
    assert "screen" not in atts[0].file.name and atts[0].file.name.startswith("attachment/")
    assert atts[0].file.read()[:8] == b"\x89PNG\r\n\x1a\n"  # re-encoded, still a PNG
    with pytest.raises(ValidationError) as exc:
        ask(asker, gb_partner, attachments=[("../../x.png", PNG, "")])  # a name that is a path
    assert "x.png" in str(exc.value.message_dict["attachments"])


@pytest.mark.django_db
def test_who_may_ask_for_a_partner(asker, gb_partner, cam, phd_emea, partner_b, user_b):
    with pytest.raises(NotAllowed):
        ask(user_b, gb_partner)  # another partner's person
    with pytest.raises(NotAllowed):
        ask(cam, gb_partner)  # not this partner's CAM
    gb_partner.cam = cam
    gb_partner.save()
    by_cam = ask(cam, gb_partner, via="console")
    assert by_cam.requester == cam and by_cam.source == "console"
    assert (
        ask(phd_emea, gb_partner, via="console").partner == gb_partner
    )  # the help desk on a partner's behalf


@pytest.mark.django_db
def test_staff_reply_moves_to_waiting_stops_the_first_response_clock_and_a_partner_reply_reopens(
    routed, asker, gb_partner
):
    phd = routed["EMEA"]
    q = ask(asker, gb_partner)
    reply = question_reply(question=q, by=phd, body="It is issued now.")
    q.refresh_from_db()
    assert (q.status, reply.kind) == ("waiting", "staff")
    assert q.first_response_at == reply.created_at
    assert reply.message_id and reply.in_reply_to == q.messages.first().message_id
    question_partner_reply(question=q, by=asker, body="Thanks, got it")
    q.refresh_from_db()
    assert q.status == "open"
    question_set_status(question=q, status="resolved", by=phd)
    q.refresh_from_db()
    assert q.status == "resolved" and q.resolved_at is not None
    question_partner_reply(question=q, by=asker, body="Actually, one more thing")
    q.refresh_from_db()
    assert (q.status, q.resolved_at) == ("open", None)  # a resolved question reopens
    question_set_status(question=q, status="closed", by=phd)
    with pytest.raises(ValidationError):
        question_partner_reply(question=Question.objects.get(pk=q.pk), by=asker, body="again")


@pytest.mark.django_db
def test_internal_notes_are_never_shown_to_partner_people_nor_emailed(routed, asker, gb_partner, user_b):
    q = ask(asker, gb_partner)
    before = OutboxMessage.objects.count()
    note = question_reply(
        question=q, by=routed["EMEA"], body="Their CAM says they are difficult.", internal=True
    )
    assert note.kind == "note" and note.message_id == ""
    assert OutboxMessage.objects.count() == before
    q.refresh_from_db()
    assert q.status == "new" and q.first_response_at is None  # a note is not an answer
    assert note not in QuestionMessage.objects.visible_to(asker)
    assert list(QuestionMessage.objects.visible_to(routed["EMEA"]).filter(kind="note")) == [note]
    assert not QuestionMessage.objects.visible_to(user_b).exists()


@pytest.mark.django_db
def test_who_sees_which_question(routed, asker, gb_partner, user_b, cam, leadership, administrator):
    q = ask(asker, gb_partner)
    colleague = MembershipFactory(partner=gb_partner, user=UserFactory(email="c@gamma.test")).user
    legal = StaffFactory(email="legal@vendor.test", roles=["legal"])
    assert list(Question.objects.visible_to(colleague)) == [q]
    for nobody in (user_b, cam, legal, None):
        assert not Question.objects.visible_to(nobody).exists()
    for staff in (routed["EMEA"], routed["AMER"], leadership, administrator):
        assert list(Question.objects.visible_to(staff)) == [q]
    gb_partner.cam = cam
    gb_partner.save()
    assert list(Question.objects.visible_to(cam)) == [q]


@pytest.mark.django_db
def test_only_the_help_desk_answers_assigns_and_sets_status(routed, asker, gb_partner, cam):
    q = ask(asker, gb_partner)
    for person in (asker, cam):
        with pytest.raises(NotAllowed):
            question_reply(question=q, by=person, body="x")
        with pytest.raises(NotAllowed):
            question_set_status(question=q, status="closed", by=person)
    with pytest.raises(ValidationError):
        question_assign(question=q, to=cam, by=routed["EMEA"])  # a CAM does not answer questions
    moved = question_assign(question=q, to=routed["AMER"], by=routed["EMEA"])
    assert moved.assignee == routed["AMER"]
    with pytest.raises(ValidationError):
        question_set_status(question=q, status="bogus", by=routed["EMEA"])


@pytest.mark.django_db
def test_priority_recomputes_the_targets(routed, asker, gb_partner):
    q = ask(asker, gb_partner)
    urgent = question_set_priority(question=q, priority="urgent", by=routed["EMEA"])
    assert urgent.first_response_due < q.first_response_due
    assert urgent.resolution_due < q.resolution_due
    with pytest.raises(ValidationError):
        question_set_priority(question=q, priority="asap", by=routed["EMEA"])


@pytest.mark.django_db
def test_merge_moves_the_duplicates_messages_and_closes_it(routed, asker, gb_partner, partner_b, user_b):
    phd = routed["EMEA"]
    a = ask(asker, gb_partner, subject="License missing")
    b = ask(asker, gb_partner, subject="License still missing", body="Any news?")
    into = question_merge(source=b, into=a, by=phd)
    b.refresh_from_db()
    assert (b.status, b.merged_into) == ("closed", a)
    assert list(into.messages.values_list("kind", flat=True)) == ["partner", "partner", "system"]
    assert "Any news?" in [m.body for m in into.messages.all()]
    with pytest.raises(ValidationError):
        question_partner_reply(question=b, by=asker, body="hello?")
    other = ask(user_b, partner_b)
    with pytest.raises(ValidationError):
        question_merge(source=other, into=a, by=phd)  # never across partners
    with pytest.raises(ValidationError):
        question_merge(source=a, into=a, by=phd)


@pytest.mark.django_db
def test_a_triage_question_is_sorted_to_a_partner_and_routed(routed, gb_partner):
    from channelops.helpdesk.question_services import question_from_email

    msg = question_from_email(
        sender="Stranger <someone@unknown.test>",
        to=["help@channelops.localhost"],
        subject="Hello",
        text="Who do I ask about MDF?",
        html="",
        message_id="<stranger-1@unknown.test>",
        in_reply_to="",
        references=[],
        attachments=[],
        automated=False,
    )
    q = msg.question
    assert (q.partner, q.region, q.assignee, q.requester) == (None, None, None, None)
    assert list(Question.objects.triage()) == [q]
    sorted_q = question_set_partner(question=q, partner=gb_partner, by=routed["EMEA"])
    assert (sorted_q.partner, sorted_q.region.code, sorted_q.assignee) == (gb_partner, "EMEA", routed["EMEA"])
