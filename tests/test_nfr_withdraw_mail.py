"""A partner withdrawing an NFR request e-mails the help desk of its region (issue 14), read from the
real SMTP server."""

from __future__ import annotations

import pytest

from channelops.partners.models import Region, RegionRouting

from .conftest import Mailbox
from .test_nfr_amend import big_request

pytestmark = [pytest.mark.django_db]


def test_withdrawing_e_mails_the_regions_help_desk(partner_a, admin_a, phd_emea, login, smtp_server, deliver):
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd_emea)
    partner_a.region = Region.objects.get(code="EMEA")
    partner_a.save()
    req = big_request(partner_a, admin_a)
    deliver()
    smtp_server.box.clear()  # the submission's e-mail
    assert login(admin_a).post(f"/portal/nfr/{req.pk}/withdraw/").status_code == 302
    deliver()
    [msg] = smtp_server.box.to("phd.emea@vendor.test")
    assert msg["Subject"] == f"[channelops] Acme Test Partner withdrew NFR request {req.reference}" or (
        f"withdrew NFR request {req.reference}" in msg["Subject"]
    )
    text = Mailbox.text(msg)
    assert "needs nothing more from you" in text and "500 Ultimate seats for 12 months" in text
    assert f"/console/nfr/{req.pk}/" in text
    assert f"/console/nfr/{req.pk}/" in Mailbox.html(msg)
    assert not smtp_server.box.to("admin@a.test")  # the partner is not e-mailed about its own withdrawal


def test_a_refused_withdrawal_sends_nothing(
    partner_a, admin_a, user_b, phd_emea, login, smtp_server, deliver
):
    RegionRouting.objects.filter(region=partner_a.region).update(phd_specialist=phd_emea)
    req = big_request(partner_a, admin_a)
    deliver()
    smtp_server.box.clear()
    assert login(user_b).post(f"/portal/nfr/{req.pk}/withdraw/").status_code == 404
    deliver()
    assert smtp_server.box.messages == []
