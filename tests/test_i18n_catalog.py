"""The i18n check in `make test` (issue 14, docs/i18n.md): the German catalog is complete, current
and compiled, and every template's text is marked for translation."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.test import override_settings

from tests.i18n_lint import ALLOWED_FILES, unmarked
from tests.i18n_markers import DEFAULT_KEYWORDS, keyword, marked_strings, markers, parse
from tests.i18n_pylint import SKIP_PARTS, unmarked_python

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "channelops" / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
#: The same flags as `make messages` (Makefile).
IGNORE = ["tests", "bench", "scripts", "docs", "var", "*.egg-info"]


def _key(e: polib.POEntry) -> tuple[str, str, str]:
    return (e.msgctxt or "", e.msgid, e.msgid_plural or "")


def test_german_catalog_is_complete_and_has_no_fuzzy_entries():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check, then remove the flag), e.g. {fuzzy[:10]}"
    assert not obsolete, f"obsolete entries: run `make messages`: {obsolete[:10]}"
    for e in po.translated_entries():
        if e.msgid_plural:
            assert all(e.msgstr_plural.values()), f"a plural form is missing: {e.msgid!r}"


def test_compiled_catalog_matches_the_po_file():
    """The .mo is committed (`make run` needs no gettext): it must say what the .po says."""
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(MO))
    compiled = {_key(e): (e.msgstr, dict(e.msgstr_plural)) for e in mo if e.msgid}
    source = {
        _key(e): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
        for e in po.translated_entries()
        if "fuzzy" not in e.flags
    }
    compiled = {k: (s, {int(i): v for i, v in p.items()}) for k, (s, p) in compiled.items()}
    stale = sorted(k[1] for k in source if compiled.get(k) != source[k])[:10]
    assert not stale and len(compiled) == len(source), (
        f"channelops/locale/de/LC_MESSAGES/django.mo is stale: run `make messages` ({stale})"
    )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_catalog_holds_every_marked_string(tmp_path, monkeypatch):
    """`make messages` would add nothing: every marked string is in the catalog."""
    monkeypatch.chdir(ROOT)
    (tmp_path / "de" / "LC_MESSAGES").mkdir(parents=True)
    # "locale" ignored: makemessages would otherwise write into the channelops/locale it finds.
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command(
            "makemessages",
            locale=["de"],
            ignore_patterns=[*IGNORE, "locale"],
            add_location="never",
            verbosity=0,
        )
    fresh = {_key(e) for e in polib.pofile(str(tmp_path / "de" / "LC_MESSAGES" / "django.po"))}
    committed = {_key(e) for e in polib.pofile(str(PO)) if not e.obsolete}
    missing = sorted(k[1] for k in fresh - committed)
    gone = sorted(k[1] for k in committed - fresh)
    assert not missing, f"{len(missing)} strings are not in the catalog: run `make messages`: {missing[:10]}"
    assert not gone, f"{len(gone)} strings are no longer used: run `make messages`: {gone[:10]}"


def _python_modules() -> list[Path]:
    """The Python files makemessages reads (minus the temporary "<template>.py" files it writes)."""
    return sorted(
        p for p in (ROOT / "channelops").rglob("*.py") if not p.name.endswith((".html.py", ".txt.py"))
    )


def _makemessages_keywords() -> set[str]:
    """The keywords `manage.py makemessages` (the command Django resolves) gives xgettext."""
    command = load_command_class(get_commands()["makemessages"], "makemessages")
    extra = {o.removeprefix("--keyword=") for o in command.xgettext_options if o.startswith("--keyword=")}
    return DEFAULT_KEYWORDS | extra


def test_makemessages_knows_every_name_a_translation_function_is_imported_as():
    """`gettext_lazy as _l` is invisible to xgettext unless makemessages passes `--keyword=_l`:
    every such alias must be in channelops/core/management/commands/makemessages.py (ALIASES)."""
    known = _makemessages_keywords()
    missing = {}
    for path in _python_modules():
        tree = parse(path)
        for name, function in (markers(tree) if tree else {}).items():
            if keyword(name, function) not in known:
                missing.setdefault(f"{name} ({function})", str(path.relative_to(ROOT)))
    assert not missing, (
        "makemessages does not collect strings marked with these names: add them to ALIASES in "
        f"channelops/core/management/commands/makemessages.py, then run `make messages`: {missing}"
    )


def test_every_string_marked_in_python_is_in_the_german_catalog():
    """Read from the code itself (no gettext needed): whatever name marks a string, the German
    catalog has it (translated: test_german_catalog_is_complete_and_has_no_fuzzy_entries)."""
    committed = {_key(e) for e in polib.pofile(str(PO)) if not e.obsolete}
    missing = []
    for path in _python_modules():
        tree = parse(path)
        for key in sorted(marked_strings(tree) if tree else ()):
            if key not in committed:
                missing.append(f"{path.relative_to(ROOT)}: {key[1]!r}")
    assert not missing, (
        f"{len(missing)} marked strings are not in the German catalog (a marker makemessages does "
        "not know? see ALIASES in channelops/core/management/commands/makemessages.py; else run "
        "`make messages`):\n" + "\n".join(missing[:20])
    )


def test_the_marker_check_catches_an_unknown_alias(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "from django.utils import translation\n"
        "from django.utils.translation import gettext_lazy as _t, pgettext_lazy as _p\n"
        "from django.utils.translation import gettext_lazy as _l, ngettext, gettext as _\n"
        "_x = _t\n"
        "TITLE = _t('A title')\n"
        "OTHER = _x('Other')\n"
        "MONTH = _p('month name', 'May')\n"
        "def view(n):\n"
        "    return [_l('Known'), _('Plain'), ngettext('%(n)s seat', '%(n)s seats', n), _t(f'{n}'),\n"
        "            translation.gettext('Qualified'), len('not marked')]\n"
    )
    tree = parse(module)
    assert tree is not None
    names = markers(tree)
    assert names == {
        "_t": "gettext_lazy",
        "_p": "pgettext_lazy",
        "_l": "gettext_lazy",
        "ngettext": "ngettext",
        "_": "gettext",
        "_x": "gettext_lazy",
    }
    known = _makemessages_keywords()
    unknown = sorted(n for n, f in names.items() if keyword(n, f) not in known)
    assert unknown == ["_p", "_t", "_x"]
    assert marked_strings(tree) == {
        ("", "A title", ""),
        ("", "Other", ""),
        ("month name", "May", ""),
        ("", "Known", ""),
        ("", "Plain", ""),
        ("", "%(n)s seat", "%(n)s seats"),
        ("", "Qualified", ""),
    }


def _templates() -> list[Path]:
    base = ROOT / "channelops"
    return sorted(
        p
        for p in base.rglob("*")
        if p.suffix in (".html", ".txt") and "templates" in p.parts and "static" not in p.parts
    )


def test_every_template_text_is_marked_for_translation():
    problems = {}
    for path in _templates():
        rel = str(path.relative_to(ROOT / "channelops"))
        if any(rel.endswith(allowed) for allowed in ALLOWED_FILES):
            continue
        found = unmarked(path)
        if found:
            problems[rel] = found[:5]
    assert not problems, f"text outside {{% translate %}}/{{% blocktranslate %}}: {problems}"


def test_the_template_lint_catches_unmarked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Fine" %}</h1><p>{{ name }} · 3</p>'
        '<p>Not marked</p><a title="Unmarked title" href="/">{% blocktranslate %}Ok {{ x }}{% endblocktranslate %}</a>'
    )
    assert unmarked(page) == ["Not marked", 'title="Unmarked title"']
    mail = tmp_path / "mail.txt"
    mail.write_text("{% load i18n %}{% translate 'Hello' %}\n{{ link }}\nSee you\n")
    assert unmarked(mail) == ["See you"]
    fine = tmp_path / "fine.html"
    fine.write_text('{% load i18n %}<p>{% translate "Yes" %}: {{ n }} CSV</p><script src="x.js"></script>')
    assert unmarked(fine) == []


def test_python_text_people_read_is_marked_for_translation():
    """Form labels and help, flash messages, errors shown on pages (ValidationError, NotAllowed,
    Http404, PermissionDenied), navigation and attention titles: wrapped in gettext (`_`)."""
    problems = []
    for path in sorted((ROOT / "channelops").rglob("*.py")):
        # makemessages (test_catalog_holds_every_marked_string, maybe running at the same time)
        # writes each template's gettext calls to a temporary "<template>.py" beside it.
        if SKIP_PARTS & set(path.parts) or path.name.endswith((".html.py", ".txt.py")):
            continue
        try:
            found = unmarked_python(path)
        except FileNotFoundError:  # a temporary file gone meanwhile
            continue
        problems += [f"{path.relative_to(ROOT)}: {f}" for f in found]
    assert not problems, "text not marked for translation:\n" + "\n".join(problems)


def test_the_python_lint_catches_unmarked_text(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "from django import forms\n"
        "from django.contrib import messages\n"
        "from django.utils.translation import gettext_lazy as _\n"
        "class F(forms.Form):\n"
        "    a = forms.CharField(label='Your name')\n"
        "    b = forms.CharField(label=_('Marked'), help_text='YYYY-MM-DD')\n"
        "def view(request):\n"
        "    messages.success(request, f'Saved {1}.')\n"
        "    raise ValidationError('Not marked at all')\n"
    )
    found = unmarked_python(module)
    assert [f.split(" ", 1)[1] for f in found] == [
        "label='Your name'",
        "messages.success('Saved .')",
        "ValidationError('Not marked at all')",
    ]
