"""The asset library (channelops/assets, docs/assets.md): visibility by tier, program, status and
expiry; versions; usage guidelines before a logo's first download; download records and events;
bad uploads; on the local disk and on S3."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from channelops.agreements.models import ImmutableEvidenceError
from channelops.assets.models import Asset, AssetDownload, AssetVersion, GuidelineAcceptance
from channelops.assets.services import asset_add_version, asset_create, asset_update, guidelines_accept
from channelops.core.exceptions import NotAllowed
from channelops.partners.models import EngagementEvent, EngagementKind, Program

from .assets_helpers import GUIDELINES, make_asset, marketing_user, pdf, person_of, png, select_logo
from .s3server import s3_server  # noqa: F401  (the fixture)
from .test_files import zip_bomb_docx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def marketing(db):
    return marketing_user()


@pytest.fixture
def open_person(db):
    return person_of("open", "olga@open.test", "Open Ltd")


@pytest.fixture
def select_person(db):
    return person_of("select", "sam@select.test", "Select Ltd")


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- visibility ----------------------------------------------------------------------------------


def test_an_open_partner_never_sees_the_select_logo_by_list_search_or_url(
    marketing, open_person, select_person, login
):
    logo = select_logo(marketing)
    make_asset(marketing, "Open partner logo", kind="logo", data=png(), filename="open.png", tags="brand")
    client = login(open_person)
    page = client.get("/portal/assets/").content.decode()
    assert "Open partner logo" in page and "Select partner logo" not in page
    for query in ("?q=select", "?q=logo", "?kind=logo", "?tag=brand"):
        assert "Select partner logo" not in client.get("/portal/assets/" + query).content.decode()
    assert client.get(f"/portal/assets/{logo.pk}/").status_code == 404
    assert client.get(f"/portal/assets/{logo.pk}/download/").status_code == 404
    assert client.post(f"/portal/assets/{logo.pk}/", {"accept": "on"}).status_code == 404
    assert client.get(f"/portal/assets/{logo.pk + 999}/download/").status_code == 404
    assert not AssetDownload.objects.exists() and not GuidelineAcceptance.objects.exists()
    # The Select partner sees it.
    select = login(select_person)
    assert "Select partner logo" in select.get("/portal/assets/?q=select").content.decode()
    assert select.get(f"/portal/assets/{logo.pk}/").status_code == 200


def test_drafts_archived_and_expired_assets_are_hidden_from_partners(marketing, open_person, login):
    draft = make_asset(marketing, "Draft deck", kind="deck", publish=False)
    expiring = make_asset(marketing, "Price list 2026", expires_on=timezone.localdate() + timedelta(days=3))
    client = login(open_person)
    assert client.get(f"/portal/assets/{draft.pk}/download/").status_code == 404
    assert "Price list 2026" in client.get("/portal/assets/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        assert "Price list 2026" not in client.get("/portal/assets/").content.decode()
        assert client.get(f"/portal/assets/{expiring.pk}/download/").status_code == 404
        # Staff see it, flagged.
        page = login(marketing).get("/console/assets/").content.decode()
        assert "Price list 2026" in page and "expired" in page


def test_programs_limit_who_sees_an_asset(marketing, open_person, select_person, login):
    msp = Program.objects.create(name="Asset test program", slug="asset-test-program")
    select_person.partner_membership.partner.programs.add(msp)
    make_asset(marketing, "MSP playbook", programs=[msp])
    assert Asset.objects.visible_to(select_person).count() == 1
    assert Asset.objects.visible_to(open_person).count() == 0
    assert "MSP playbook" not in login(open_person).get("/portal/assets/").content.decode()


def test_staff_without_the_view_permission_see_nothing(marketing, login):
    from .factories import StaffFactory

    make_asset(marketing, "Deck")
    legal = StaffFactory(email="legal@vendor.test", roles=["legal"])
    assert Asset.objects.visible_to(legal).count() == 0
    client = login(legal)
    assert client.get("/console/assets/").status_code == 403
    assert client.get(f"/console/assets/{Asset.objects.get().pk}/").status_code == 403
    cam = StaffFactory(email="cam2@vendor.test", roles=["cam"])
    page = login(cam).get("/console/assets/").content.decode()
    assert "Deck" in page and "Upload an asset" not in page  # view, not manage
    assert login(cam).get("/console/assets/new/").status_code == 403


# --- guidelines and downloads --------------------------------------------------------------------


def test_a_logo_with_guidelines_is_accepted_once_before_the_first_download(marketing, select_person, login):
    logo = select_logo(marketing)
    client = login(select_person)
    page = client.get(f"/portal/assets/{logo.pk}/").content.decode()
    assert "Never change its colours." in page and f"/portal/assets/{logo.pk}/download/" not in page
    response = client.get(f"/portal/assets/{logo.pk}/download/")
    assert response.status_code == 302 and response["Location"].endswith("#guidelines")
    assert not AssetDownload.objects.exists()
    # Not ticking the box is a clear error.
    refused = client.post(f"/portal/assets/{logo.pk}/", {})
    assert refused.status_code == 400 and "Tick the box" in refused.content.decode()
    assert client.post(f"/portal/assets/{logo.pk}/", {"accept": "on"}).status_code == 302
    acceptance = GuidelineAcceptance.objects.get()
    assert acceptance.partner == select_person.partner_membership.partner
    assert acceptance.guidelines_sha256 == logo.guidelines_sha256 and acceptance.user == select_person
    download = client.get(f"/portal/assets/{logo.pk}/download/")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    assert download["Content-Disposition"] == 'attachment; filename="select-logo.png"'
    # A changed text needs a new acceptance.
    asset_update(
        asset=logo,
        title=logo.title,
        kind="logo",
        guidelines=GUIDELINES + "\n- New rule.",
        tiers=list(logo.tiers.all()),
        by=marketing,
    )
    assert client.get(f"/portal/assets/{logo.pk}/download/").status_code == 302
    client.post(f"/portal/assets/{logo.pk}/", {"accept": "on"})
    assert GuidelineAcceptance.objects.count() == 2
    assert client.get(f"/portal/assets/{logo.pk}/download/").status_code == 200
    # The evidence never changes: not by saving, not by deleting, not in the data admin.
    with pytest.raises(ImmutableEvidenceError):
        acceptance.save()
    with pytest.raises(ImmutableEvidenceError):
        acceptance.delete()
    assert GuidelineAcceptance.objects.filter(pk=acceptance.pk).exists()


def test_each_download_is_recorded_and_is_an_engagement_event(marketing, open_person, login):
    deck = make_asset(marketing, "Company deck", kind="deck")
    client = login(open_person)
    for _ in range(2):
        response = client.get(f"/portal/assets/{deck.pk}/download/")
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    partner = open_person.partner_membership.partner
    assert AssetDownload.objects.filter(asset=deck, partner=partner, user=open_person).count() == 2
    events = EngagementEvent.objects.filter(partner=partner, kind=EngagementKind.DOWNLOAD)
    assert events.count() == 2 and "Company deck" in events.first().detail
    # Staff see it per asset and per partner.
    staff = login(marketing)
    assert "Open Ltd" in staff.get(f"/console/assets/{deck.pk}/").content.decode()
    per_partner = staff.get("/console/assets/downloads/").content.decode()
    assert "Open Ltd" in per_partner
    # A staff preview is not a partner download.
    assert staff.get(f"/console/assets/{deck.pk}/versions/1/download/").status_code == 200
    assert AssetDownload.objects.count() == 2


# --- versions and uploads ------------------------------------------------------------------------


def test_a_new_version_becomes_current_and_the_history_stays(marketing, open_person, login, media):
    deck = make_asset(marketing, "Deck", kind="deck", filename="deck-v1.pdf")
    staff = login(marketing)
    response = staff.post(
        f"/console/assets/{deck.pk}/versions/",
        {"file": _upload("deck-v2.png", png()), "note": "new colours"},
    )
    assert response.status_code == 302
    deck.refresh_from_db()
    assert deck.current_version.number == 2 and deck.current_version.filename == "deck-v2.png"
    assert deck.current_version.note == "new colours" and len(deck.current_version.sha256) == 64
    assert list(deck.versions.values_list("number", flat=True)) == [2, 1]
    page = staff.get(f"/console/assets/{deck.pk}/").content.decode()
    assert "deck-v1.pdf" in page and "deck-v2.png" in page
    download = login(open_person).get(f"/portal/assets/{deck.pk}/download/")
    assert download["Content-Disposition"] == 'attachment; filename="deck-v2.png"'
    assert len(stored_files(media)) == 2


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.png", b"MZ\x90\x00" + b"\x00" * 200, "This kind of file is not accepted here."),
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "This kind of file is not accepted here."),
        ("brochure.docx", "bomb", "compressed archive bomb"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_error_and_nothing_is_stored(
    marketing, login, media, name, data, message
):
    if data == "bomb":
        data = zip_bomb_docx()
    form = {"title": "Bad", "kind": "paper", "file": _upload("x.bin", data)}
    client = login(marketing)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("placeholder", data)
    upload.name = name  # SimpleUploadedFile would clean the name; the browser may send anything
    form["file"] = upload
    response = client.post("/console/assets/new/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Asset.objects.exists() and not AssetVersion.objects.exists()
    assert stored_files(media) == []


def test_a_path_in_an_uploaded_name_never_reaches_the_disk(marketing, login, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("placeholder", pdf())
    upload.name = "../../etc/passwd.pdf"
    response = login(marketing).post("/console/assets/new/", {"title": "T", "kind": "paper", "file": upload})
    assert response.status_code == 302  # Django keeps only the base name; the stored name is generated
    version = AssetVersion.objects.get()
    assert version.filename == "passwd.pdf" and version.file.startswith("asset/") and ".." not in version.file
    assert all(p.is_relative_to(media) for p in stored_files(media))


def test_names_with_paths_and_nul_are_refused_by_the_service(marketing, media):
    for name in ("../x.pdf", "a/b.pdf", "x\x00.pdf"):
        with pytest.raises(ValidationError):
            asset_create(title="T", kind="paper", data=pdf(), filename=name, by=marketing)
    assert not Asset.objects.exists() and stored_files(media) == []


@override_settings(UPLOAD_LIMITS_MB={"asset": 0.001})
def test_a_file_over_the_limit_is_refused_before_it_is_read(marketing, login, media):
    response = login(marketing).post(
        "/console/assets/new/",
        {"title": "Big", "kind": "paper", "file": _upload("big.pdf", pdf() + b"x" * 2000)},
    )
    assert response.status_code == 400 and "larger than 0.001 MB" in response.content.decode()
    assert not Asset.objects.exists() and stored_files(media) == []


def test_only_managers_write_and_a_bad_field_changes_nothing(marketing, open_person, media):
    from .factories import StaffFactory

    cam = StaffFactory(email="cam3@vendor.test", roles=["cam"])
    with pytest.raises(NotAllowed):
        asset_create(title="T", kind="paper", data=pdf(), filename="t.pdf", by=cam)
    with pytest.raises(ValidationError) as exc:
        asset_create(title="", kind="video", data=pdf(), filename="t.pdf", guidelines="x", by=marketing)
    assert set(exc.value.message_dict) == {"title", "guidelines"}
    deck = make_asset(marketing, "Deck")
    with pytest.raises(NotAllowed):
        asset_add_version(asset=deck, data=pdf(), filename="v2.pdf", by=cam)
    with pytest.raises(NotAllowed):
        guidelines_accept(asset=deck, user=cam)
    assert AssetVersion.objects.count() == 1 and len(stored_files(media)) == 1


def test_changes_are_kept_in_the_assets_history(marketing):
    deck = make_asset(marketing, "Deck")
    asset_update(asset=deck, title="Deck 2027", kind="deck", by=marketing)
    history = list(deck.history.order_by("history_date").values_list("title", "status", "history_user_id"))
    assert history[0][0] == "Deck" and history[-1] == ("Deck 2027", "published", marketing.pk)


# --- the console ---------------------------------------------------------------------------------


def test_marketing_creates_publishes_and_archives_an_asset_in_the_console(marketing, open_person, login):
    from channelops.partners.models import Tier

    client = login(marketing)
    assert client.get("/console/assets/").status_code == 200
    assert client.get("/console/assets/new/").status_code == 200
    response = client.post(
        "/console/assets/new/",
        {
            "title": "Select logo",
            "kind": "logo",
            "tags": "brand, logos",
            "tiers": [Tier.objects.get(slug="select").pk],
            "guidelines": GUIDELINES,
            "file": _upload("select.png", png()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = Asset.objects.get()
    assert asset.status == "draft" and asset.owner == marketing
    assert sorted(t.name for t in asset.tags.all()) == ["brand", "logos"]
    assert client.post(f"/console/assets/{asset.pk}/publish/").status_code == 302
    asset.refresh_from_db()
    assert asset.status == "published"
    assert Asset.objects.visible_to(open_person).count() == 0  # Select only
    page = client.get(f"/console/assets/{asset.pk}/").content.decode()
    assert "Select" in page and "Never change its colours." in page
    assert client.post(f"/console/assets/{asset.pk}/archive/").status_code == 302
    asset.refresh_from_db()
    assert asset.status == "archived"


# --- S3 ------------------------------------------------------------------------------------------


def _s3_settings(s3_server, bucket):  # noqa: F811
    s3_server.storage(bucket)  # creates the bucket
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server.url,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "signature_version": "s3v4",
                "addressing_style": "path",
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_on_s3_the_signed_url_is_issued_only_after_the_check(
    marketing,
    open_person,
    select_person,
    login,
    s3_server,
    api_client,  # noqa: F811
):
    import requests

    with override_settings(STORAGES=_s3_settings(s3_server, "assets-test"), S3_URL_EXPIRE=60):
        logo = select_logo(marketing)
        deck = make_asset(marketing, "Deck", kind="deck", filename="deck.pdf")
        assert logo.current_version.file.startswith("asset/")
        # The Open partner: 404 before any URL is made, by page, download and API.
        client = login(open_person)
        refused = client.get(f"/portal/assets/{logo.pk}/download/")
        assert refused.status_code == 404 and "Location" not in refused
        api = api_client(open_person)
        refused_api = api.get(f"/api/v1/assets/{logo.pk}/download")
        assert refused_api.status_code == 404 and "X-Amz" not in refused_api.content.decode()
        # Visible: a redirect to a short-lived signed URL that works, then expires.
        client = login(open_person)
        ok = client.get(f"/portal/assets/{deck.pk}/download/")
        assert ok.status_code == 302 and "X-Amz-Expires=60" in ok["Location"]
        fetched = requests.get(ok["Location"], timeout=10)
        assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF")
        # The Select partner, after accepting the guidelines.
        select = login(select_person)
        select.post(f"/portal/assets/{logo.pk}/", {"accept": "on"})
        signed = select.get(f"/portal/assets/{logo.pk}/download/")
        assert signed.status_code == 302
        assert requests.get(signed["Location"], timeout=10).content[:4] == b"\x89PNG"
        # A URL without a signature is refused by the store.
        bare = signed["Location"].split("?")[0]
        assert requests.get(bare, timeout=10).status_code == 403
    assert AssetDownload.objects.count() == 2
