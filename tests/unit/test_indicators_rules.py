"""The pure rules of the indicators: headline values, colours, formatting, and the registry's shape."""
from __future__ import annotations

import re

import pytest

from checks import registry
from checks.base import COUNT, DOWN, PERCENT, RATIO, UP, fmt, headline, status
from services.control.indicators_settings import _check_order, SettingsError


def test_headline_percent_ratio_count():
    assert headline(PERCENT, 14, 17) == (82.35, 14, 17)
    assert headline(RATIO, 975, 17) == (57.35, 975, 17)
    assert headline(RATIO, 134.0, 39.0) == (3.44, 134, 39)
    assert headline(COUNT, None, None) == (0, 0, None)
    assert headline(COUNT, 3, None) == (3, 3, None)


def test_empty_denominator_has_no_value():
    assert headline(PERCENT, 0, 0) == (None, 0, 0)
    assert headline(PERCENT, None, None) == (None, 0, 0)
    assert status(None, UP, 90, 80) == "no_data"


@pytest.mark.parametrize("value,expected", [(95, "ok"), (90, "ok"), (89.99, "warn"), (80, "warn"), (79.9, "bad")])
def test_status_when_more_is_better(value, expected):
    assert status(value, UP, 90, 80) == expected


@pytest.mark.parametrize("value,expected", [(0, "ok"), (3, "ok"), (3.01, "warn"), (7, "warn"), (7.5, "bad")])
def test_status_when_less_is_better(value, expected):
    assert status(value, DOWN, 3, 7) == expected


def test_format_for_screens():
    assert fmt(82.35294, "%") == "82,4 %"
    assert fmt(3.4117, "балл") == "3,41"
    assert fmt(2, "шт.") == "2 шт."
    assert fmt(None, "%") == "—"


def test_threshold_order_is_checked():
    entry = registry.get("systemic_failure")  # less is better
    _check_order(entry, 3, 7)
    with pytest.raises(SettingsError, match="не выше жёлтого"):
        _check_order(entry, 8, 7)
    with pytest.raises(SettingsError, match="от 0 до 100"):
        _check_order(registry.get("attendance"), 120, 90)


def test_every_entry_is_complete():
    for entry in (*registry.INDICATORS, *registry.DEPUTY):
        assert entry.name and entry.definition and entry.unit and entry.good in (UP, DOWN)
        assert entry.kind in (PERCENT, RATIO, COUNT)
        assert "num" in entry.value_sql and "den" in entry.value_sql, entry.id
        assert entry.drill_sql.strip(), entry.id
        assert re.search("[а-яё]", entry.definition), entry.id
        assert (entry.green >= entry.yellow) if entry.good == UP else (entry.green <= entry.yellow), entry.id
    for check in registry.CHECKS:
        assert check.name and check.definition and check.findings_sql.strip()
        assert check.group in registry.CHECK_GROUPS


def test_the_five_categories_in_the_order_of_the_document():
    assert [c for c in dict.fromkeys(i.category for i in registry.INDICATORS)] == \
        ["operational", "quality", "olympiads", "users", "journal"]
    assert registry.INDICATOR_IDS[:3] == ("success_rate", "systemic_failure", "systemic_absence")
    assert {"activation_teachers", "activation_students", "activation_parents"} <= set(registry.INDICATOR_IDS)
    assert len(registry.INDICATOR_IDS) == 33
