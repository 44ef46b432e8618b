"""Where generated demo partners are and what they are called (deterministic, no database).

* ``REGION_COUNTRIES``: the countries the demo places in each sales region (the product has no
  region → country rule: a region is a sales territory staff choose), each with the Faker locale
  whose company and person names fit the country, its share of the region and its web domain.
* :class:`Namer`: unique, plausible company names (Faker's ``company()`` as it comes — it already
  carries its legal form, so nothing is appended) and unique company web domains derived from
  them; names and domains already in the database are taken into account, so a second run of
  ``channelops demo`` with more partners never repeats one.
* :func:`person_email`: a person's address on the company domain.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    locale: str  # Faker locale for company and person names
    weight: int  # share within the region
    tld: str  # the usual commercial domain of the country


# The demo's sales territories. PUBSEC is the public-sector business of North America.
REGION_COUNTRIES: dict[str, tuple[Country, ...]] = {
    "AMER": (
        Country("US", "en_US", 56, "com"),
        Country("CA", "en_CA", 14, "ca"),
        Country("BR", "pt_BR", 12, "com.br"),
        Country("MX", "es_MX", 10, "com.mx"),
        Country("CL", "es_CL", 4, "cl"),
        Country("AR", "es_CL", 4, "com.ar"),
    ),
    "EMEA": (
        Country("DE", "de_DE", 19, "de"),
        Country("GB", "en_GB", 19, "co.uk"),
        Country("FR", "fr_FR", 12, "fr"),
        Country("NL", "nl_NL", 8, "nl"),
        Country("ES", "es_ES", 7, "es"),
        Country("IT", "it_IT", 7, "it"),
        Country("SE", "sv_SE", 5, "se"),
        Country("PL", "pl_PL", 5, "pl"),
        Country("CH", "de_CH", 5, "ch"),
        Country("DK", "da_DK", 4, "dk"),
        Country("AT", "de_AT", 4, "at"),
        Country("IE", "en_IE", 3, "ie"),
        Country("ZA", "en_US", 2, "co.za"),
    ),
    "APAC": (
        Country("AU", "en_AU", 30, "com.au"),
        Country("IN", "en_IN", 25, "in"),
        Country("SG", "en_US", 15, "com.sg"),
        Country("NZ", "en_NZ", 10, "co.nz"),
        Country("PH", "en_PH", 10, "com.ph"),
        Country("ID", "id_ID", 10, "co.id"),
    ),
    "PUBSEC": (
        Country("US", "en_US", 85, "com"),
        Country("CA", "en_CA", 15, "ca"),
    ),
}

# Regions the demo knows, with their share of the generated partners.
REGION_WEIGHTS: dict[str, int] = {"AMER": 36, "EMEA": 34, "APAC": 20, "PUBSEC": 10}

# Generic domains a company may use instead of its country's.
GENERIC_TLDS = ("com", "net", "io")

# Words of a company name that are its legal form or joiners, not its name (lower case, no dots).
LEGAL_WORDS = frozenset(
    {
        "inc",
        "llc",
        "ltd",
        "plc",
        "group",
        "and",
        "co",
        "corp",
        "company",
        "limited",
        "gmbh",
        "ag",
        "kg",
        "kgaa",
        "ohg",
        "ev",
        "gbr",
        "mbh",
        "und",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "snc",
        "sc",
        "scoop",
        "sl",
        "slne",
        "sll",
        "ltda",
        "me",
        "eireli",
        "epp",
        "cv",
        "ac",
        "sp",
        "zoo",
        "sj",
        "i",
        "syn",
        "ab",
        "hb",
        "kb",
        "as",
        "aps",
        "is",
        "nv",
        "bv",
        "vof",
        "en",
        "e",
        "y",
        "et",
        "oy",
        "oyj",
        "ry",
        "tmi",
        "pt",
        "tbk",
        "ud",
        "pd",
        "perum",
        "pty",
        "lda",
        "sgps",
        "filhos",
        "filho",
        "hnos",
        "hermanos",
        "cia",
        "mit",
        "spol",
        "sro",
        "vos",
        "s",
        "a",
        "c",
        "l",
        "p",
        "o",
    }
)

_ASCII = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "þ": "th",
    }
)


def ascii_fold(text: str) -> str:
    """ "Müller-Ødegård" → "Muller-Odegard" (letters outside ASCII decomposed or spelled out)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", ascii_fold(text).lower())


def has_repeated_word(name: str) -> bool:
    """True for "Robinson LLC LLC" or "Smith-Smith" (any word twice, case and accents ignored)."""
    words = _words(name)
    return len(words) != len(set(words))


def name_stem(name: str) -> list[str]:
    """The name's own words (legal form and joiners dropped): "Wesack Mende GmbH & Co. KG" →
    ["wesack", "mende"]."""
    return [w for w in _words(name) if w not in LEGAL_WORDS and not w.isdigit()]


def pick_country(region: str, rnd: random.Random) -> Country:
    countries = REGION_COUNTRIES[region]
    return rnd.choices(countries, weights=[c.weight for c in countries])[0]


def person_email(first: str, last: str, domain: str, taken: set[str]) -> str:
    """first.last@domain (ASCII), or first.last2@… when that address is already taken."""
    local = ".".join(p for p in ("-".join(_words(first)), "-".join(_words(last))) if p) or "info"
    email, n = f"{local}@{domain}", 1
    while email in taken:
        n += 1
        email = f"{local}{n}@{domain}"
    taken.add(email)
    return email


# Words that make a second, distinct name of a company whose Faker names are all taken.
_DESCRIPTORS = (
    "Systems",
    "Consulting",
    "Solutions",
    "Technologies",
    "Digital",
    "Networks",
    "IT Services",
    "Cloud",
    "Software",
    "Data",
    "Integration",
    "Infrastructure",
)


class Namer:
    """Hands out unique company names and domains (case-insensitive), deterministically."""

    def __init__(self, names: set[str], domains: set[str]) -> None:
        self.names = {n.strip().lower() for n in names}
        self.domains = {d.strip().lower() for d in domains if d}

    def company(self, fake: Any, rnd: random.Random) -> str:
        for _try in range(12):
            name = fake.company().strip()
            if self._fits(name):
                return self._take(name)
        while True:  # every plain name taken: "<surname> <descriptor>" (no legal form to double)
            name = f"{fake.last_name()} {rnd.choice(_DESCRIPTORS)}"
            if self._fits(name):
                return self._take(name)

    def _fits(self, name: str) -> bool:
        return (
            3 <= len(name) <= 200
            and name.lower() not in self.names
            and not has_repeated_word(name)
            and bool(name_stem(name))
        )

    def _take(self, name: str) -> str:
        self.names.add(name.lower())
        return name

    def domain(self, name: str, country: Country, rnd: random.Random) -> str:
        """A free domain for ``name``: its first two own words, on the country's or a generic TLD."""
        stem = name_stem(name)[:2] or ["partner"]
        label = "-".join(stem)[:50].strip("-") or "partner"
        tlds = [country.tld] if rnd.random() < 0.75 else []
        tlds += [t for t in (country.tld, *GENERIC_TLDS) if t not in tlds]
        candidates = [f"{label}.{t}" for t in tlds]
        if len(stem) > 1:
            candidates += [f"{stem[0]}.{t}" for t in tlds]
        candidates += [f"{label}-{w}.{country.tld}" for w in ("it", "tech", "group", "digital", "online")]
        for domain in candidates:
            if domain not in self.domains:
                self.domains.add(domain)
                return domain
        n = 2
        while f"{label}{n}.{country.tld}" in self.domains:
            n += 1
        self.domains.add(f"{label}{n}.{country.tld}")
        return f"{label}{n}.{country.tld}"
