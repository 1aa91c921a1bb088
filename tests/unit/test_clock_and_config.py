"""The clock, school years, passwords and the documented settings."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from services.core import clock, config, passwords


def test_school_year_names():
    assert clock.parse_school_year("2025") == 2025
    assert clock.parse_school_year("2025/2026") == 2025
    assert clock.parse_school_year("2025-2026") == 2025
    with pytest.raises(ValueError):
        clock.parse_school_year("2025/2027")
    assert clock.school_year_of(date(2026, 8, 31)) == 2025
    assert clock.school_year_of(date(2026, 9, 1)) == 2026


def test_frozen_clock_and_moscow_time():
    clock.set_now(datetime(2026, 11, 28, 20, 59, 59, tzinfo=timezone.utc))
    try:
        assert clock.today() == date(2026, 11, 28)
        assert clock.local_now().hour == 23
        clock.set_now(datetime(2026, 11, 28, 21, 0, 0, tzinfo=timezone.utc))
        assert clock.today() == date(2026, 11, 29)  # midnight in Moscow
    finally:
        clock.set_now(None)
    with pytest.raises(ValueError):
        clock.set_now(datetime(2026, 1, 1))


def test_fake_now_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_FAKE_NOW", "2026-11-20T10:00:00")
    assert clock.now() == datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)


def test_every_setting_is_documented_in_the_readme():
    readme = (config.ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in config.SETTINGS if s.name not in readme]
    assert not missing, f"README.md does not document: {missing}"
    assert all(s.help for s in config.SETTINGS)


def test_school_settings_are_documented_in_the_readme():
    from services.core.school_settings import SETTINGS
    readme = (config.ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.title for s in SETTINGS if s.title not in readme]
    assert not missing, f"README.md does not document: {missing}"


def test_passwords_are_argon2id_and_checked():
    h = passwords.hash_password("Correct-horse-1")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "Correct-horse-1")
    assert not passwords.verify_password(h, "correct-horse-1")
    assert not passwords.verify_password(None, "x")
    assert not passwords.verify_password("garbage", "x")
    assert passwords.validate_new_password("short1") is not None
    assert passwords.validate_new_password("onlyletters") is not None
    assert passwords.validate_new_password("teacher1", "teacher1") is not None
    assert passwords.validate_new_password("Good-pass-42") is None
    otp = passwords.one_time_password()
    assert len(otp) == 10 and not set(otp) & set("l1O0I")
