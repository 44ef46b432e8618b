"""Which language a page or an e-mail is in (docs/i18n.md).

A page: the person's profile language (``User.language``), else the language they picked with the
switcher while signed out (the ``django_language`` cookie), else the browser's Accept-Language,
else the language of the partner's country (``session[COUNTRY_LANGUAGE_SESSION_KEY]``, set at
sign-in by the partners app), else ``settings.LANGUAGE_CODE`` (English). :class:`LanguageMiddleware`
replaces Django's ``LocaleMiddleware`` and sits after the authentication middleware.

An e-mail: the recipient's language — :func:`recipient_languages` asks the resolvers apps register
with :func:`register_recipient_languages` (the partners app: profile language, else the partner's
country), else ``settings.LANGUAGE_CODE``. ``core.outbox.email_enqueue`` renders one message per
language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

#: Countries (ISO 3166-1 alpha-2) whose partners get German when nothing else says otherwise.
COUNTRY_LANGUAGES: dict[str, str] = {"DE": "de", "AT": "de", "CH": "de", "LI": "de"}

#: Where the sign-in stores the language of the person's partner's country (one lookup per
#: sign-in instead of one per request).
COUNTRY_LANGUAGE_SESSION_KEY = "channelops_country_language"

RecipientResolver = Callable[[list[str]], dict[str, str]]
_resolvers: list[RecipientResolver] = []


def supported(code: str | None) -> str:
    """``code`` as one of ``settings.LANGUAGES`` ("de-AT" → "de"), or "" when not offered."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""


def language_for_country(country: object) -> str:
    """The language for a partner's country ("" when it has none of its own here)."""
    return supported(COUNTRY_LANGUAGES.get(str(country or "").upper(), ""))


def accept_language(header: str) -> str:
    """The first language of an Accept-Language header that the product offers, or ""."""
    for code, _q in parse_accept_lang_header(header):
        if code == "*":
            continue
        found = supported(code)
        if found:
            return found
    return ""


def request_language(request: HttpRequest) -> str:
    """The language of the page (the chain above)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        own = supported(getattr(user, "language", ""))
        if own:
            return own
    chosen = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen:
        return chosen
    browser = accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if browser:
        return browser
    session = getattr(request, "session", None)
    if session is not None and user is not None and user.is_authenticated:
        country = supported(session.get(COUNTRY_LANGUAGE_SESSION_KEY))
        if country:
            return country
    return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware with the person's profile and partner country in the chain; place
    it after ``AuthenticationMiddleware``. The response keeps ``Content-Language`` and
    ``Vary: Accept-Language``."""

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()


def register_recipient_languages(resolver: RecipientResolver) -> RecipientResolver:
    """Register ``resolver(addresses) -> {address: language}`` (addresses it knows nothing about
    are left out). Later registrations win for an address both know."""
    _resolvers.append(resolver)
    return resolver


def recipient_languages(addresses: Iterable[str], default: str | None = None) -> dict[str, str]:
    """Each address's language: what the resolvers say, else ``default`` (``settings.LANGUAGE_CODE``
    when not given; "" leaves unknown addresses out)."""
    wanted = sorted({a for a in addresses if a})
    found: dict[str, str] = {}
    for resolver in _resolvers:
        for address, code in resolver(wanted).items():
            lang = supported(code)
            if lang:
                found[address.lower()] = lang
    fallback = settings.LANGUAGE_CODE if default is None else default
    out = {a: found.get(a.lower(), fallback) for a in wanted}
    return {a: lang for a, lang in out.items() if lang}


def common_language(addresses: Iterable[str]) -> str:
    """The language of a message that must be one for all its recipients (a delivery step with
    one key): theirs when they share one, else ``settings.LANGUAGE_CODE``."""
    langs = set(recipient_languages(addresses).values())
    return langs.pop() if len(langs) == 1 else settings.LANGUAGE_CODE
