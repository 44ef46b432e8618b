"""The question pages (issue 16): the portal's Ask a question, My questions and a question's thread;
the console's queue, question page (reply, note, reassign, status, priority, merge, triage) and
saved replies. Through the Django test client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from channelops.core.models import OutboxMessage
from channelops.helpdesk.faq_services import faq_article_create, faq_article_publish
from channelops.helpdesk.models import Macro, Question, QuestionMessage
from channelops.helpdesk.question_services import (
    macro_save,
    question_from_email,
    question_reply,
    question_submit,
)
from channelops.partners.models import RegionRouting

from .factories import MembershipFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


PNG = _png()  # a real image: attachments are re-encoded by the files foundation


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def phd(db, phd_emea):
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=phd_emea)
    return phd_emea


@pytest.fixture
def gamma(db):
    return PartnerFactory(country="GB", legal_name="Gamma Ltd")


@pytest.fixture
def person(gamma):
    return MembershipFactory(
        partner=gamma, role="user", user=UserFactory(email="p@gamma.test", full_name="Pia Gamma")
    ).user


@pytest.fixture
def colleague(gamma):
    return MembershipFactory(partner=gamma, role="user", user=UserFactory(email="c@gamma.test")).user


@pytest.fixture
def other(db):
    partner = PartnerFactory(country="GB", legal_name="Delta Ltd")
    return MembershipFactory(partner=partner, role="admin", user=UserFactory(email="o@delta.test")).user


def ask(by, partner, subject="Where is my NFR license?", body="I requested it last week.", **kw):
    return question_submit(by=by, partner=partner, category="licensing", subject=subject, body=body, **kw)


# --- portal --------------------------------------------------------------------------------------


def test_an_empty_my_questions_says_what_to_do_and_links_the_form(person, login):
    page = login(person).get("/portal/help/questions/").content.decode()
    assert "No questions yet." in page and "Search the help articles first" in page
    assert 'href="/portal/help/questions/ask/"' in page
    help_page = login(person).get("/portal/help/").content.decode()
    assert 'href="/portal/help/questions/ask/"' in help_page and 'href="/portal/help/questions/"' in help_page


def test_a_partner_asks_a_question_with_an_attachment_and_sees_it_in_my_questions(phd, person, gamma, login):
    c = login(person)
    form = c.get("/portal/help/questions/ask/").content.decode()
    assert 'hx-get="/portal/help/?from=question"' in form and 'enctype="multipart/form-data"' in form
    resp = c.post(
        "/portal/help/questions/ask/",
        {
            "category": "licensing",
            "subject": "Where is my NFR license?",
            "body": "I requested it last week.",
            "attachments": [SimpleUploadedFile("screen.png", PNG, content_type="image/png")],
        },
    )
    q = Question.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/portal/help/questions/{q.pk}/"
    assert (q.partner, q.requester, q.assignee, q.source) == (gamma, person, phd, "portal")
    listing = c.get("/portal/help/questions/").content.decode()
    assert q.number in listing and "Where is my NFR license?" in listing and "New" in listing
    thread = c.get(f"/portal/help/questions/{q.pk}/").content.decode()
    assert "I requested it last week." in thread and "screen.png" in thread
    att = q.messages.get().attachments.get()
    download = c.get(f"/portal/help/questions/{q.pk}/attachments/{att.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")
    assert "attachment" in download["Content-Disposition"]


def test_a_question_without_subject_or_with_a_bad_file_is_refused_and_nothing_is_created(phd, person, login):
    c = login(person)
    resp = c.post("/portal/help/questions/ask/", {"category": "licensing", "subject": "", "body": ""})
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "This field is required." in page or "Write a subject" in page
    resp = c.post(
        "/portal/help/questions/ask/",
        {
            "category": "licensing",
            "subject": "A file",
            "body": "See the file.",
            "attachments": [SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 60)],
        },
    )
    assert resp.status_code == 400 and "run.exe" in resp.content.decode()  # named in the error
    assert not Question.objects.exists() and not OutboxMessage.objects.exists()


def test_typing_the_subject_suggests_help_articles_and_the_no_javascript_button_shows_them(
    phd, person, login, phd_emea
):
    a = faq_article_publish(
        article=faq_article_create(
            title="How do I reset my password?", body="Use the sign-in page.", category="portal", by=phd_emea
        ),
        by=phd_emea,
    )
    c = login(person)
    partial = c.get("/portal/help/?from=question&subject=How+do+I+reset+the+password", HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert "<html" not in text and "These help articles may answer your question" in text
    assert f'href="/portal/help/{a.slug}/?from=question"' in text
    assert (
        c.get("/portal/help/?from=question&subject=", HTTP_HX_REQUEST="true").content.decode().strip() == ""
    )
    resp = c.post(
        "/portal/help/questions/ask/",
        {"category": "portal", "subject": "reset password", "body": "My draft text", "suggest": "1"},
    )
    page = resp.content.decode()
    assert resp.status_code == 200 and "How do I reset my password?" in page
    assert "My draft text" in page and 'value="reset password"' in page  # the draft is kept
    assert not Question.objects.exists()


def test_the_partner_sees_replies_but_never_internal_notes_and_replies_and_resolves(
    phd, person, gamma, login
):
    q = ask(person, gamma)
    question_reply(question=q, by=phd, body="It is on its way.")
    question_reply(question=q, by=phd, body="SECRET: partner is late on payment", internal=True)
    c = login(person)
    page = c.get(f"/portal/help/questions/{q.pk}/").content.decode()
    assert "It is on its way." in page and "SECRET" not in page and "Internal note" not in page
    assert "waits for you" in page
    resp = c.post(f"/portal/help/questions/{q.pk}/", {"body": "Thanks, and the seats?"})
    assert resp.status_code == 302
    q.refresh_from_db()
    assert q.status == "open"
    bad = c.post(f"/portal/help/questions/{q.pk}/", {"body": "  "})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    assert q.messages.count() == 4
    assert c.post(f"/portal/help/questions/{q.pk}/resolve/").status_code == 302
    q.refresh_from_db()
    assert q.status == "resolved" and q.resolved_at is not None
    again = c.post(f"/portal/help/questions/{q.pk}/resolve/")
    assert again.status_code == 302 and "already resolved" in str(list(again.wsgi_request._messages))


def test_a_colleague_at_the_same_partner_sees_and_answers_the_question(phd, person, colleague, gamma, login):
    q = ask(person, gamma)
    c = login(colleague)
    assert q.number in c.get("/portal/help/questions/").content.decode()
    assert c.post(f"/portal/help/questions/{q.pk}/", {"body": "Adding to it."}).status_code == 302


def test_another_partners_person_gets_404_on_every_question_url_and_changes_nothing(
    phd, person, other, gamma, login
):
    q = ask(person, gamma, attachments=[("a.png", PNG, "image/png")])
    att = q.messages.get().attachments.get()
    c = login(other)
    assert q.number not in c.get("/portal/help/questions/").content.decode()
    for method, url, data in (
        ("get", f"/portal/help/questions/{q.pk}/", None),
        ("post", f"/portal/help/questions/{q.pk}/", {"body": "pwned"}),
        ("post", f"/portal/help/questions/{q.pk}/resolve/", {}),
        ("get", f"/portal/help/questions/{q.pk}/attachments/{att.pk}/", None),
    ):
        assert getattr(c, method)(url, data).status_code == 404, url
    q.refresh_from_db()
    assert q.status == "new" and q.messages.count() == 1


def test_my_questions_keeps_its_query_count_as_questions_grow(
    phd, person, gamma, login, django_assert_max_num_queries
):
    c = login(person)
    for n in range(3):
        ask(person, gamma, subject=f"Question {n}")
    c.get("/portal/help/questions/")
    with django_assert_max_num_queries(30) as few:
        c.get("/portal/help/questions/")
    for n in range(3, 25):
        ask(person, gamma, subject=f"Question {n}")
    # the same queries with 25 questions: session, user, membership+partner, nav badge, count, one page
    # of rows with the requester joined and the last reply and message count annotated
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Question 24" in c.get("/portal/help/questions/").content.decode()


# --- console -------------------------------------------------------------------------------------


def test_the_queue_filters_mine_region_triage_overdue_status_and_priority(
    phd, person, gamma, login, frozen_clock, leadership
):
    mine = ask(person, gamma, subject="Mine to answer")
    triage = question_from_email(
        sender="stranger@unknown.test",
        to=["help@vendor.test"],
        subject="Who am I",
        text="Hello",
        html="",
        message_id="<m1@unknown.test>",
        in_reply_to="",
        references=[],
        attachments=[],
        automated=False,
    ).question
    c = login(phd)
    page = c.get("/console/questions/").content.decode()
    assert mine.number in page and triage.number in page
    assert mine.number in c.get("/console/questions/?queue=mine").content.decode()
    assert triage.number not in c.get("/console/questions/?queue=mine").content.decode()
    only_triage = c.get("/console/questions/?queue=triage").content.decode()
    assert triage.number in only_triage and mine.number not in only_triage
    assert mine.number in c.get(f"/console/questions/?region={gamma.region_id}").content.decode()
    assert mine.number not in c.get("/console/questions/?status=resolved").content.decode()
    assert mine.number not in c.get("/console/questions/?priority=urgent").content.decode()
    assert mine.number not in c.get("/console/questions/?queue=overdue").content.decode()
    frozen_clock.move_to(
        mine.resolution_due.replace(microsecond=0) + __import__("datetime").timedelta(days=1)
    )
    overdue = c.get("/console/questions/?queue=overdue").content.decode()
    assert mine.number in overdue and "overdue" in overdue


def test_the_queue_keeps_its_query_count_as_questions_grow(
    phd, person, gamma, login, django_assert_max_num_queries
):
    c = login(phd)
    for n in range(3):
        ask(person, gamma, subject=f"Question {n}")
    c.get("/console/questions/")
    with django_assert_max_num_queries(30) as few:
        c.get("/console/questions/")
    for n in range(3, 30):
        ask(person, gamma, subject=f"Question {n}")
    # session, user, nav, count, one page of rows (partner, region, assignee, requester joined)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Question 29" in c.get("/console/questions/?sort=-created_at").content.decode()


def test_a_specialist_answers_notes_reassigns_sets_status_and_priority_on_the_question_page(
    phd, person, gamma, login, leadership
):
    q = ask(person, gamma)
    c = login(phd)
    page = c.get(f"/console/questions/{q.pk}/").content.decode()
    assert "I requested it last week." in page and "Send the answer" in page
    assert c.post(f"/console/questions/{q.pk}/", {"body": "It is on its way."}).status_code == 302
    assert c.post(f"/console/questions/{q.pk}/", {"body": "Check payment", "note": "1"}).status_code == 302
    kinds = list(q.messages.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["partner", "staff", "note"]
    page = c.get(f"/console/questions/{q.pk}/").content.decode()
    assert 'data-internal="true"' in page and "Internal note — partners never see it" in page
    assert c.post(f"/console/questions/{q.pk}/assign/", {"assignee": leadership.pk}).status_code == 302
    assert c.post(f"/console/questions/{q.pk}/priority/", {"priority": "urgent"}).status_code == 302
    assert c.post(f"/console/questions/{q.pk}/status/", {"status": "resolved"}).status_code == 302
    q.refresh_from_db()
    assert (q.assignee, q.priority, q.status) == (leadership, "urgent", "resolved")
    assert c.post(f"/console/questions/{q.pk}/assign/", {"assignee": ""}).status_code == 302
    q.refresh_from_db()
    assert q.assignee is None


def test_bad_input_on_the_console_is_a_clear_error_and_changes_nothing(phd, person, gamma, login, cam):
    q = ask(person, gamma)
    c = login(phd)
    for url, data, text in (
        (f"/console/questions/{q.pk}/", {"body": ""}, "This field is required."),
        (f"/console/questions/{q.pk}/status/", {"status": "bogus"}, "Select a valid choice."),
        (f"/console/questions/{q.pk}/priority/", {"priority": "bogus"}, "Select a valid choice."),
        (f"/console/questions/{q.pk}/assign/", {"assignee": cam.pk}, "Select a valid choice."),
        (f"/console/questions/{q.pk}/merge/", {"into": "Q-999999"}, "No question Q-999999."),
        (f"/console/questions/{q.pk}/merge/", {"into": q.number}, "A question is not merged into itself."),
    ):
        resp = c.post(url, data)
        assert resp.status_code == 400, url
        assert text in resp.content.decode(), (url, text)
    q.refresh_from_db()
    assert (q.status, q.priority, q.assignee, q.merged_into) == ("new", "normal", phd, None)
    assert q.messages.count() == 1


def test_merging_a_duplicate_moves_its_messages_and_sends_the_specialist_to_the_kept_one(
    phd, person, gamma, login
):
    keep = ask(person, gamma, subject="NFR license")
    dup = ask(person, gamma, subject="NFR license again", body="Still waiting.")
    c = login(phd)
    resp = c.post(f"/console/questions/{dup.pk}/merge/", {"into": keep.number.lower()})
    assert resp.status_code == 302 and resp["Location"] == f"/console/questions/{keep.pk}/"
    dup.refresh_from_db()
    assert dup.merged_into == keep and dup.status == "closed"
    assert "Still waiting." in c.get(f"/console/questions/{keep.pk}/").content.decode()
    portal = login(person).get(f"/portal/help/questions/{dup.pk}/").content.decode()
    assert "merged into" in portal and keep.number in portal


def test_a_triage_question_is_attached_to_a_partner_and_routed(phd, gamma, login):
    msg = question_from_email(
        sender="new.person@gamma.test",
        to=["help@vendor.test"],
        subject="Help",
        text="Hello",
        html="",
        message_id="<t1@gamma.test>",
        in_reply_to="",
        references=[],
        attachments=[],
        automated=False,
    )
    q = msg.question
    c = login(phd)
    page = c.get(f"/console/questions/{q.pk}/").content.decode()
    assert "Sort this question to a partner" in page and "new.person@gamma.test" in page
    bad = c.post(f"/console/questions/{q.pk}/triage/", {"partner": "No such partner at all"})
    assert bad.status_code == 400
    q.refresh_from_db()
    assert q.partner is None
    assert c.post(f"/console/questions/{q.pk}/triage/", {"partner": str(gamma.pk)}).status_code == 302
    q.refresh_from_db()
    assert (q.partner, q.region, q.assignee) == (gamma, gamma.region, phd)


def test_saved_replies_are_managed_and_picked_into_the_answer(phd, person, gamma, login):
    q = ask(person, gamma)
    c = login(phd)
    empty = c.get("/console/questions/saved-replies/").content.decode()
    assert "No saved replies yet." in empty
    assert c.post("/console/questions/saved-replies/", {"title": "", "body": ""}).status_code == 400
    assert not Macro.objects.exists()
    resp = c.post(
        "/console/questions/saved-replies/",
        {"title": "License sent", "body": "Your license is on its way.", "active": "on"},
    )
    assert resp.status_code == 302
    m = Macro.objects.get()
    assert (
        c.post(
            f"/console/questions/saved-replies/{m.pk}/",
            {"title": "License sent", "body": "Changed.", "active": "on"},
        ).status_code
        == 302
    )
    m.refresh_from_db()
    assert m.body == "Changed."
    page = c.get(f"/console/questions/{q.pk}/?macro={m.pk}").content.decode()
    assert "Changed.</textarea>" in page and "License sent" in page


def test_staff_without_the_help_desk_permission_may_not_act_and_partner_people_are_sent_away(
    phd, person, gamma, login, cam
):
    q = ask(person, gamma)
    m = macro_save(by=phd, title="T", body="B")
    c = login(cam)  # not gamma's CAM: sees nothing
    assert c.get(f"/console/questions/{q.pk}/").status_code == 404
    assert q.number not in c.get("/console/questions/").content.decode()
    assert c.get("/console/questions/saved-replies/").status_code == 403
    assert c.get(f"/console/questions/saved-replies/{m.pk}/").status_code == 404
    gamma.cam = cam
    gamma.save()
    page = c.get(f"/console/questions/{q.pk}/").content.decode()  # the partner's CAM reads it
    assert "I requested it last week." in page and "Send the answer" not in page
    assert c.post(f"/console/questions/{q.pk}/status/", {"status": "closed"}).status_code == 403
    q.refresh_from_db()
    assert q.status == "new"
    portal = login(person)
    assert portal.get("/console/questions/").status_code == 403
    assert QuestionMessage.objects.count() == 1


def test_a_cam_asks_for_their_partner_in_the_console_and_replies_on_the_partners_side(
    phd, person, gamma, login, cam
):
    gamma.cam = cam
    gamma.save()
    c = login(cam)
    page = c.get("/console/questions/ask/").content.decode()
    assert 'name="partner"' in page
    bad = c.post(
        "/console/questions/ask/", {"partner": str(gamma.pk), "category": "data", "subject": "", "body": ""}
    )
    assert bad.status_code == 400 and not Question.objects.exists()
    delta = PartnerFactory(country="GB", legal_name="Delta Ltd")
    other = c.post(
        "/console/questions/ask/", {"partner": str(delta.pk), "category": "data", "subject": "S", "body": "B"}
    )
    assert other.status_code == 400 and not Question.objects.exists()  # not their partner
    resp = c.post(
        "/console/questions/ask/",
        {"partner": str(gamma.pk), "category": "data", "subject": "Gamma's data export", "body": "For Pia."},
    )
    q = Question.objects.get()
    assert resp.status_code == 302 and (q.partner, q.requester, q.source, q.assignee) == (
        gamma,
        cam,
        "console",
        phd,
    )
    assert "Gamma&#x27;s data export" in login(person).get("/portal/help/questions/").content.decode()
    c = login(cam)
    page = c.get(f"/console/questions/{q.pk}/").content.decode()
    assert "Reply on the partner" in page and "Send the answer" not in page
    assert c.post(f"/console/questions/{q.pk}/reply/", {"body": "More detail."}).status_code == 302
    assert list(q.messages.values_list("kind", flat=True)) == ["partner", "partner"]
    assert login(phd).post(f"/console/questions/{q.pk}/reply/", {"body": "x"}).status_code == 403


def test_staff_who_are_no_cam_see_a_clear_empty_ask_page(login, cam):
    page = login(cam).get("/console/questions/ask/").content.decode()
    assert "You are not the CAM of any partner." in page
