"""``manage.py makemessages`` that also knows the project's gettext aliases (docs/i18n.md).

Django's makemessages hands xgettext the keywords ``gettext``, ``gettext_lazy``, ``ngettext``,
``pgettext``… and GNU gettext's defaults (``_``), but not the names a module imports them as
(``from django.utils.translation import gettext_lazy as _l``): strings marked with such an alias
would never reach the catalog. ``ALIASES`` lists every alias the code uses with the function it
stands for; ``tests/test_i18n_catalog.py`` fails when a module imports a translation function
under a name missing here.
"""

from __future__ import annotations

from django.core.management.commands import makemessages

#: Alias → the django.utils.translation function it names.
ALIASES: dict[str, str] = {
    "_l": "gettext_lazy",
}

#: The xgettext keyword specification of each translation function (singular, plural, context).
SPECS: dict[str, str] = {
    "gettext": "",
    "gettext_lazy": "",
    "gettext_noop": "",
    "ngettext": ":1,2",
    "ngettext_lazy": ":1,2",
    "pgettext": ":1c,2",
    "pgettext_lazy": ":1c,2",
    "npgettext": ":1c,2,3",
    "npgettext_lazy": ":1c,2,3",
}


def keywords() -> list[str]:
    """The extra xgettext ``--keyword`` options for ``ALIASES``."""
    return [f"--keyword={alias}{SPECS[function]}" for alias, function in sorted(ALIASES.items())]


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, *keywords()]
