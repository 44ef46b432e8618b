"""Everyday staff edits of a partner on the console (tier, CAM, region, status through the partners
service), the data console keeping those fields read-only, and the searchable partner picker."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django import forms

from channelops.partners.forms import PARTNER_SEARCH_LIMIT, PartnerChoiceField
from channelops.partners.models import Partner, PartnerStatus, PartnerStatusChange, Region, Tier

from .factories import PartnerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _edit_data(partner: Partner, **changes) -> dict:
    data = {
        "tier": partner.tier_id,
        "cam": partner.cam_id or "",
        "region": partner.region_id,
        "status": partner.status,
        "reason": "",
    }
    data.update(changes)
    return data


def test_leadership_changes_tier_cam_region_and_status_recorded_with_the_reason(leadership, cam, login):
    partner = PartnerFactory(legal_name="Reclassified GmbH")
    select = Tier.objects.get(slug="select")
    apac = Region.objects.get(code="APAC")
    client = login(leadership)
    page = client.get(f"/console/partners/{partner.pk}/").content.decode()
    assert f'href="/console/partners/{partner.pk}/edit/"' in page
    form = client.get(f"/console/partners/{partner.pk}/edit/").content.decode()
    assert f'<option value="{cam.pk}">' in form  # the CAM choice: staff with the CAM role
    resp = client.post(
        f"/console/partners/{partner.pk}/edit/",
        _edit_data(
            partner, tier=select.pk, cam=cam.pk, region=apac.pk, status="suspended", reason="Quarterly review"
        ),
    )
    assert resp.status_code == 302 and resp["Location"] == f"/console/partners/{partner.pk}/"
    partner.refresh_from_db()
    assert (partner.tier, partner.cam, partner.region, partner.status) == (select, cam, apac, "suspended")
    change = PartnerStatusChange.objects.filter(partner=partner).latest("at")
    assert (change.from_status, change.to_status, change.by, change.note) == (
        "active",
        "suspended",
        leadership,
        "Quarterly review",
    )
    record = partner.history.filter(history_change_reason="Quarterly review").get()
    assert (record.tier_id, record.cam_id, record.region_id, record.history_user) == (
        select.pk,
        cam.pk,
        apac.pk,
        leadership,
    )
    timeline = client.get(f"/console/partners/{partner.pk}/?tab=timeline").content.decode()
    assert "Status: Active → Suspended (Quarterly review)" in timeline
    assert "Changed: cam, region, tier" in timeline


def test_a_staff_role_without_the_permission_sees_no_edit_link_and_gets_403(login):
    manager = StaffFactory(email="pm@vendor.test", roles=["channel_program_manager"])
    partner = PartnerFactory()
    client = login(manager)
    page = client.get(f"/console/partners/{partner.pk}/").content.decode()
    assert "/edit/" not in page and "Data console" not in page
    assert client.get(f"/console/partners/{partner.pk}/edit/").status_code == 403
    before = Partner.objects.filter(pk=partner.pk).values().get()
    resp = client.post(
        f"/console/partners/{partner.pk}/edit/", _edit_data(partner, tier=Tier.objects.get(slug="select").pk)
    )
    assert resp.status_code == 403
    assert Partner.objects.filter(pk=partner.pk).values().get() == before


def test_the_cam_must_have_the_cam_role_and_the_status_an_allowed_step(leadership, login):
    partner = PartnerFactory()
    legal = StaffFactory(email="legal@vendor.test", roles=["legal"])
    client = login(leadership)
    resp = client.post(f"/console/partners/{partner.pk}/edit/", _edit_data(partner, cam=legal.pk))
    assert resp.status_code == 400 and "Select a valid choice" in resp.content.decode()
    resp = client.post(f"/console/partners/{partner.pk}/edit/", _edit_data(partner, status="applied"))
    assert resp.status_code == 400 and "Select a valid choice" in resp.content.decode()
    partner.refresh_from_db()
    assert partner.cam is None and partner.status == PartnerStatus.ACTIVE
    assert not PartnerStatusChange.objects.filter(partner=partner).exists()


def test_the_service_refuses_a_partner_person_and_a_closed_region(admin_a, leadership, partner_a):
    from django.core.exceptions import ValidationError

    from channelops.core.exceptions import NotAllowed
    from channelops.partners.services import partner_update_classification

    with pytest.raises(NotAllowed):
        partner_update_classification(
            partner=partner_a, by=admin_a, tier=partner_a.tier, cam=None, region=partner_a.region
        )
    closed = Region.objects.create(code="MARS", name="Mars", active=False)
    with pytest.raises(ValidationError) as exc:
        partner_update_classification(
            partner=partner_a, by=leadership, tier=partner_a.tier, cam=None, region=closed
        )
    assert "region" in exc.value.error_dict
    partner_a.refresh_from_db()
    assert partner_a.region.code == "EMEA"


# --- the data console keeps the service-owned fields read-only ------------------------------------


class _FormFields(HTMLParser):
    """The named inputs, selects and textareas of a page's form (a browser's form submission)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def test_the_data_console_shows_status_tier_cam_and_region_read_only_and_ignores_them_in_a_post(
    administrator, cam, login
):
    partner = PartnerFactory(legal_name="Admin Edited Ltd")
    client = login(administrator)
    url = f"/console/admin/partners/partner/{partner.pk}/change/"
    page = client.get(url).content.decode()
    parser = _FormFields()
    parser.feed(page)
    for name in ("status", "tier", "cam", "region"):
        assert name not in parser.data, name  # shown as text, not as a field
    assert "legal_name" in parser.data  # other fields stay editable
    data = {k: v for k, v in parser.data.items()}
    data["legal_name"] = ["Admin Edited Limited"]
    data.update(
        tier=[str(Tier.objects.get(slug="select").pk)],
        cam=[str(cam.pk)],
        region=[str(Region.objects.get(code="APAC").pk)],
        status=["terminated"],
    )
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    partner.refresh_from_db()
    assert partner.legal_name == "Admin Edited Limited"
    assert (partner.tier.slug, partner.cam, partner.region.code, partner.status) == (
        "open",
        None,
        "EMEA",
        "active",
    )


# --- the partner picker ----------------------------------------------------------------------------


def test_the_partner_search_suggests_at_most_twenty_partners_to_staff_only(cam, login, client, admin_a):
    for i in range(PARTNER_SEARCH_LIMIT + 5):
        PartnerFactory(legal_name=f"Searchable {i:02d} AG")
    other = PartnerFactory(legal_name="Elsewhere Inc", status=PartnerStatus.SUSPENDED)
    staff = login(cam)
    body = staff.get("/console/partners/search", {"q": "searchable"}).content.decode()
    assert body.count("<option ") == PARTNER_SEARCH_LIMIT
    assert 'value="Searchable 00 AG (#' in body
    body = staff.get("/console/partners/search", {"q": str(other.pk)}).content.decode()
    assert f'value="Elsewhere Inc (#{other.pk})"' in body
    # the widget sends its own field name; status narrows like the field's queryset
    body = staff.get(
        "/console/partners/search", {"field": "partner", "partner": "elsewhere"}
    ).content.decode()
    assert "Elsewhere Inc" in body
    body = staff.get(
        "/console/partners/search", {"field": "partner", "partner": "elsewhere", "status": "active"}
    ).content.decode()
    assert "Elsewhere Inc" not in body
    assert login(admin_a).get("/console/partners/search", {"q": "searchable"}).status_code == 403


def test_the_partner_search_answers_anonymous_visitors_with_the_sign_in_page(client):
    resp = client.get("/console/partners/search", {"q": "a"})
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


class _PickerForm(forms.Form):
    partner = PartnerChoiceField(queryset=Partner.objects.filter(status="active"), label="Partner")


def test_the_partner_field_accepts_a_label_a_number_or_a_unique_part_of_the_name():
    acme = PartnerFactory(legal_name="Acme Rockets Ltd")
    PartnerFactory(legal_name="Acme Gliders Ltd")
    zenith = PartnerFactory(legal_name="Zenith Systems")
    suspended = PartnerFactory(legal_name="Sleeping Co", status=PartnerStatus.SUSPENDED)

    def clean(text):
        form = _PickerForm({"partner": text})
        return form.cleaned_data["partner"] if form.is_valid() else " ".join(form.errors["partner"])

    assert clean(f"Whatever (#{acme.pk})") == acme
    assert clean(str(zenith.pk)) == zenith
    assert clean("zenith") == zenith
    assert clean("Acme Rockets Ltd") == acme
    assert "Several partners match “acme”" in clean("acme")
    assert "No matching partner's name contains “Nobody”" in clean("Nobody")
    assert "No matching partner has the number" in clean(str(suspended.pk))  # outside the queryset
    rendered = str(_PickerForm(initial={"partner": zenith.pk})["partner"])
    assert f'value="Zenith Systems (#{zenith.pk})"' in rendered
    assert 'hx-get="/console/partners/search?field=partner' in rendered and "<datalist" in rendered
    assert "<select" not in rendered


def test_the_directory_filter_form_prints_no_none(cam, login):
    PartnerFactory(legal_name="Plain Partner")
    body = login(cam).get("/console/partners/", {"q": "plain"}).content.decode()
    assert "None" not in body
    assert 'class="form-select"' in body and "Plain Partner" in body
