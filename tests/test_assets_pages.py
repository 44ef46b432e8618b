"""The asset library's lists (constant queries as assets grow), the API (same rules as the portal)
and the navigation entries."""

from __future__ import annotations

import pytest

from channelops.assets.models import AssetDownload, GuidelineAcceptance

from .assets_helpers import make_asset, marketing_user, person_of, png, select_logo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def marketing(db):
    return marketing_user()


@pytest.fixture
def open_person(db):
    return person_of("open", "olga@open.test", "Open Ltd")


@pytest.fixture
def select_person(db):
    return person_of("select", "sam@select.test", "Select Ltd")


def _assets(by, n, start=0):
    for i in range(start, start + n):
        make_asset(by, f"Asset {i:03d}", kind="deck" if i % 2 else "paper", tags=f"tag{i % 3}, common")


@pytest.mark.parametrize("query", ["", "?q=asset", "?kind=deck&tag=common&language=en"])
def test_the_portal_list_takes_the_same_queries_for_2_and_20_assets(
    marketing, open_person, login, django_assert_max_num_queries, query
):
    _assets(marketing, 2)
    client = login(open_person)
    client.get("/portal/assets/")  # warm the session and caches
    with django_assert_max_num_queries(40) as few:
        assert client.get("/portal/assets/" + query).status_code == 200
    _assets(marketing, 18, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/portal/assets/" + query)
    assert page.status_code == 200


def test_the_console_list_takes_the_same_queries_for_2_and_20_assets(
    marketing, login, django_assert_max_num_queries
):
    _assets(marketing, 2)
    client = login(marketing)
    client.get("/console/assets/")
    with django_assert_max_num_queries(40) as few:
        assert client.get("/console/assets/").status_code == 200
    _assets(marketing, 18, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/console/assets/").status_code == 200


def test_the_portal_list_filters_and_says_what_to_do_when_empty(marketing, open_person, login):
    client = login(open_person)
    assert "No assets for your partnership yet." in client.get("/portal/assets/").content.decode()
    make_asset(marketing, "Brand book", kind="paper", tags="brand", language="de")
    make_asset(marketing, "Intro video", kind="video", data=png(), filename="v.png")
    assert "Intro video" not in client.get("/portal/assets/?kind=paper").content.decode()
    german = client.get("/portal/assets/?language=de").content.decode()
    assert "Brand book" in german and "Intro video" in german  # "any language" matches too
    assert "Intro video" not in client.get("/portal/assets/?language=fr&kind=paper").content.decode()
    nothing = client.get("/portal/assets/?q=zebra").content.decode()
    assert "Nothing matches these filters." in nothing and "Clear the filters" in nothing
    assert 'href="/portal/assets/"' in nothing  # the navigation entry


def test_the_api_lists_gets_and_downloads_with_the_portal_rules(
    marketing, open_person, select_person, api_client
):
    logo = select_logo(marketing)
    deck = make_asset(marketing, "Deck", kind="deck", tags="sales")
    api = api_client(open_person)
    listed = api.get("/api/v1/assets").json()
    assert [a["title"] for a in listed["items"]] == ["Deck"]
    assert api.get("/api/v1/assets?q=select").json()["items"] == []
    assert api.get(f"/api/v1/assets/{logo.pk}").status_code == 404
    assert api.get(f"/api/v1/assets/{logo.pk}/download").status_code == 404
    assert api.post(f"/api/v1/assets/{logo.pk}/guidelines/accept").status_code == 404
    detail = api.get(f"/api/v1/assets/{deck.pk}").json()
    assert detail["tags"] == ["sales"] and detail["version"] == 1 and len(detail["sha256"]) == 64
    got = api.get(f"/api/v1/assets/{deck.pk}/download")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")
    # The Select partner: 409 until the guidelines are accepted.
    select = api_client(select_person)
    assert select.get(f"/api/v1/assets/{logo.pk}").json()["guidelines_accepted"] is False
    assert select.get(f"/api/v1/assets/{logo.pk}/download").status_code == 409
    assert select.post(f"/api/v1/assets/{logo.pk}/guidelines/accept").json()["guidelines_accepted"] is True
    assert GuidelineAcceptance.objects.count() == 1
    assert select.get(f"/api/v1/assets/{logo.pk}/download").status_code == 200
    assert AssetDownload.objects.count() == 2
    # Staff with the permission list everything, drafts included.
    make_asset(marketing, "Draft", publish=False)
    assert len(api_client(marketing).get("/api/v1/assets").json()["items"]) == 3


def test_the_navigation_shows_the_library_to_partners_and_to_staff_who_may_view_it(
    marketing, open_person, login
):
    from .factories import StaffFactory

    assert 'href="/portal/assets/"' in login(open_person).get("/portal/").content.decode()
    assert 'href="/console/assets/"' in login(marketing).get("/console/", follow=True).content.decode()
    legal = StaffFactory(email="legal2@vendor.test", roles=["legal"])
    assert 'href="/console/assets/"' not in login(legal).get("/console/", follow=True).content.decode()
