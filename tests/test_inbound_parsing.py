"""Inbound e-mail parsing (channelops/inbound/parsing.py): bodies, attachments checked by content,
automated mail and delivery status notifications."""

from __future__ import annotations

import pytest

from channelops.inbound.parsing import ParseError, parse

from .inbound_mail import EXE, PDF, PNG, dsn, mail


def test_a_multipart_message_gives_addresses_threading_headers_text_and_sanitised_html():
    raw = mail(
        sender='"Pat Partner" <Pat@Acme.test>',
        to="help@channelops.test, other@channelops.test",
        text="Plain words",
        html='<p onclick="evil()">Rich <b>words</b></p><script>alert(1)</script>',
        message_id="<abc@acme.test>",
        headers={
            "Cc": "boss@acme.test",
            "In-Reply-To": "<q-1@channelops.test>",
            "References": "<q-0@channelops.test> <q-1@channelops.test>",
        },
    )
    p = parse(raw)
    assert (p.sender, p.sender_name) == ("pat@acme.test", "Pat Partner")
    assert p.to == ["help@channelops.test", "other@channelops.test"] and p.cc == ["boss@acme.test"]
    assert p.message_id == "<abc@acme.test>" and p.in_reply_to == "<q-1@channelops.test>"
    assert p.references == ["<q-0@channelops.test>", "<q-1@channelops.test>"]
    assert p.text.strip() == "Plain words"
    assert "<b>words</b>" in p.html and "onclick" not in p.html and "script" not in p.html
    assert p.date is not None and p.date.year == 2026
    assert not p.automated and not p.is_bounce


def test_an_html_only_message_gets_a_text_body_derived_from_the_html():
    raw = mail(
        text=None,
        html="<h1>Title</h1><p>First&nbsp;line<br>second line</p><ul><li>one</li></ul><style>p{}</style>",
    )
    p = parse(raw)
    assert "Title" in p.text and "second line" in p.text and "- one" in p.text
    assert "<" not in p.text and "p{}" not in p.text
    assert p.html.startswith("<h1>")


def test_attachments_are_typed_by_their_content_and_refused_types_are_noted():
    raw = mail(
        attachments=[
            ("shot.png", PNG, "application/octet-stream"),  # declared wrong: the bytes say PNG
            ("contract.pdf", PDF, "application/pdf"),
            ("invoice.pdf", EXE, "application/pdf"),  # an executable posing as a PDF
            ("notes.txt", b"plain notes\n", "text/plain"),
        ]
    )
    p = parse(raw)
    assert [(name, ctype) for name, _data, ctype in p.attachments] == [
        ("shot.png", "image/png"),
        ("contract.pdf", "application/pdf"),
        ("notes.txt", "text/plain"),
    ]
    assert p.attachments[0][1] == PNG
    assert len(p.dropped) == 1 and p.dropped[0].startswith("invoice.pdf: type application/x-msdownload")


def test_the_attachment_allow_list_is_a_setting(settings):
    settings.INBOUND_ATTACHMENT_TYPES = ["application/pdf"]
    p = parse(mail(attachments=[("shot.png", PNG, "image/png"), ("c.pdf", PDF, "application/pdf")]))
    assert [a[0] for a in p.attachments] == ["c.pdf"] and "shot.png" in p.dropped[0]


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "pat@acme.test", "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "auto-generated; owner-email=x@y.test"}, "pat@acme.test", "Auto-Submitted"),
        ({"Precedence": "bulk"}, "pat@acme.test", "Precedence: bulk"),
        ({"Precedence": "auto_reply"}, "pat@acme.test", "Precedence: auto_reply"),
        ({"Precedence": "junk"}, "pat@acme.test", "Precedence: junk"),
        ({"X-Autoreply": "yes"}, "pat@acme.test", "X-Autoreply"),
        ({"X-Autorespond": "Out of office"}, "pat@acme.test", "X-Autorespond"),
        ({"Return-Path": "<>"}, "pat@acme.test", "empty Return-Path"),
        ({}, "MAILER-DAEMON@mx.acme.test", "MAILER-DAEMON"),
    ],
)
def test_auto_replies_and_bounces_are_marked_automated(headers, sender, reason):
    p = parse(mail(sender=sender, headers=headers))
    assert p.automated and p.automated_reason.startswith(reason)


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "no"},
        {"Precedence": "first-class"},
        {"List-Id": "Partners <partners.lists.acme.test>"},  # a person writing through a list
        {"Return-Path": "<pat@acme.test>"},
    ],
)
def test_a_person_s_mail_is_not_automated(headers):
    p = parse(mail(headers=headers))
    assert not p.automated, p.automated_reason
    if "List-Id" in headers:
        assert p.mailing_list == "Partners <partners.lists.acme.test>"


def test_a_delivery_status_notification_is_a_bounce_with_its_details():
    p = parse(dsn(recipient="gone@acme.test", original_id="<news-7@channelops.test>"))
    assert p.automated and p.is_bounce
    assert p.original_message_id == "<news-7@channelops.test>"
    [status] = p.bounces
    assert (status.recipient, status.action, status.status) == ("gone@acme.test", "failed", "5.1.1")
    assert "User unknown" in status.diagnostic and status.permanent
    assert "could not be delivered" in p.text


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01\x02 binary garbage without headers"])
def test_what_is_not_an_e_mail_message_fails_to_parse_with_a_reason(raw):
    with pytest.raises(ParseError):
        parse(raw)


def test_an_unknown_charset_does_not_break_parsing():
    raw = (
        b"From: pat@acme.test\r\nSubject: odd\r\nMessage-ID: <odd@acme.test>\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nHello \xe9\r\n"
    )
    assert "Hello" in parse(raw).text
