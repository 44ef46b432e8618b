"""German as the second language (issue 14, docs/i18n.md): how the language is chosen for a page
and for an e-mail, the switcher and the settings page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from channelops.accounts.models import User
from channelops.core.i18n import COUNTRY_LANGUAGE_SESSION_KEY, accept_language, language_for_country
from tests.factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKENS = "/accounts/tokens/"


def _person(*, language: str = "", country: str = "DE", email: str = "p@de.test") -> User:
    partner = PartnerFactory(country=country)
    return MembershipFactory(
        partner=partner, role="admin", user=UserFactory(email=email, language=language)
    ).user


def _lang(response) -> str:
    return response.headers["Content-Language"]


# --- the chain ---------------------------------------------------------------------------------


def test_profile_language_wins_over_the_browser(client):
    client.force_login(_person(language="de", country="US"))
    assert _lang(client.get(TOKENS, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")) == "de"


def test_profile_english_wins_over_a_german_browser_and_country(client):
    client.force_login(_person(language="en", country="DE"))
    assert _lang(client.get(TOKENS, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")) == "en"


def test_browser_language_when_the_profile_says_automatic(client):
    client.force_login(_person(language="", country="US"))
    assert _lang(client.get(TOKENS, HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.9,en;q=0.5")) == "de"
    assert _lang(client.get(TOKENS, HTTP_ACCEPT_LANGUAGE="en-GB,de;q=0.5")) == "en"


@pytest.mark.parametrize("country", ["DE", "AT", "CH", "LI"])
def test_partner_country_when_the_browser_names_no_offered_language(client, country):
    client.force_login(_person(language="", country=country))
    assert client.session[COUNTRY_LANGUAGE_SESSION_KEY] == "de"
    assert _lang(client.get(TOKENS, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")) == "de"
    assert _lang(client.get(TOKENS)) == "de"  # no header at all


def test_english_for_other_countries_and_for_staff(client):
    client.force_login(_person(language="", country="FR"))
    assert COUNTRY_LANGUAGE_SESSION_KEY not in client.session
    assert _lang(client.get(TOKENS, HTTP_ACCEPT_LANGUAGE="fr-FR")) == "en"
    client.force_login(StaffFactory(language=""))
    assert _lang(client.get(TOKENS)) == "en"


def test_visitors_get_the_browser_language_else_english(client):
    assert _lang(client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de-DE")) == "de"
    assert _lang(client.get(reverse("account_login"))) == "en"


def test_helpers():
    assert accept_language("fr;q=1, de-CH;q=0.8, en;q=0.5") == "de"
    assert accept_language("*") == ""
    assert (
        language_for_country("at") == "de"
        and language_for_country("US") == ""
        and language_for_country(None) == ""
    )


# --- the switcher and the settings page --------------------------------------------------------


def test_switcher_saves_the_profile_and_returns_to_the_page(client):
    user = _person(language="", country="US")
    client.force_login(user)
    r = client.post(reverse("accounts:language"), {"language": "de", "next": "/portal/"})
    assert r.status_code == 302 and r["Location"] == "/portal/"
    user.refresh_from_db()
    assert user.language == "de"
    assert _lang(client.get(TOKENS, HTTP_ACCEPT_LANGUAGE="en")) == "de"


def test_switcher_for_a_visitor_sets_a_cookie_and_refuses_other_sites(client):
    r = client.post(reverse("accounts:language"), {"language": "de", "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert _lang(client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en")) == "de"
    assert client.post(reverse("accounts:language"), {"language": "xx"}).status_code == 400
    assert client.get(reverse("accounts:language")).status_code == 405


def test_switcher_is_in_the_person_menu_and_on_public_pages(client):
    body = client.get(reverse("account_login")).content.decode()
    assert 'action="/accounts/language/"' in body and 'value="de"' in body
    client.force_login(_person(language="en"))
    body = client.get(TOKENS).content.decode()
    assert 'action="/accounts/language/"' in body and reverse("accounts:settings") in body


def test_settings_page_changes_the_language(client):
    user = _person(language="en", country="US")
    client.force_login(user)
    assert client.get(reverse("accounts:settings")).status_code == 200
    r = client.post(reverse("accounts:settings"), {"language": "de"}, follow=True)
    assert r.status_code == 200 and _lang(r) == "de"
    user.refresh_from_db()
    assert user.language == "de"
    client.post(reverse("accounts:settings"), {"language": ""})
    user.refresh_from_db()
    assert user.language == ""
    assert client.post(reverse("accounts:settings"), {"language": "fr"}).status_code == 400


def test_only_the_person_changes_their_language():
    from channelops.accounts.services import user_set_language
    from channelops.core.exceptions import NotAllowed

    a, b = _person(email="a@de.test"), _person(email="b@de.test")
    with pytest.raises(NotAllowed):
        user_set_language(user=a, language="de", by=b)


def test_translation_is_reset_after_the_tests():
    assert translation.get_language() in ("en", "en-us")


def test_the_switcher_names_each_language_in_itself(client):
    body = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'lang="en"' in body and ">English<" in body and ">Deutsch<" in body
    assert "Englisch" not in body
