"""The isolation rules' registry (tests/isolation/__init__.py): every app's module, no key twice."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from .isolation import RULES, collect, rules_modules
from .isolation.base import DENIED, PUBLIC, Rule, get_post


def _module(name: str, rules: dict[str, Rule] | None) -> types.ModuleType:
    mod = types.ModuleType(name)
    if rules is not None:
        mod.RULES = rules
    return mod


def test_every_rules_module_of_the_package_is_collected():
    files = sorted(p.stem for p in Path(__file__).parent.joinpath("isolation").glob("rules_*.py"))
    collected = [m.__name__.rsplit(".", 1)[1] for m in rules_modules()]
    assert collected == files
    assert "rules_admin" in collected and "rules_partners" in collected
    assert len(RULES) == sum(len(m.RULES) for m in rules_modules())


def test_a_key_defined_by_two_modules_fails_and_names_both():
    first = _module("rules_one", {":x": Rule(PUBLIC, get_post("/x")), ":y": Rule(PUBLIC, get_post("/y"))})
    second = _module("rules_two", {":x": Rule(DENIED, get_post("/x"))})
    assert set(collect([first])) == {":x", ":y"}
    with pytest.raises(ValueError, match=r"':x' is defined twice: in rules_one and in rules_two"):
        collect([first, second])


def test_a_rules_module_without_a_rules_table_fails():
    with pytest.raises(TypeError, match="rules_empty must export RULES"):
        collect([_module("rules_empty", None)])
