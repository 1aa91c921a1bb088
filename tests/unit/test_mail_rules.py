"""Notifications by e-mail: the pure rules (issue 16, item 4) — who gets what, when the evening
letter goes, how it is grouped, the unsubscribe token, the backoff, the letter itself."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.rules import mail as rules

MSK = ZoneInfo("Europe/Moscow")
UTC = timezone.utc


def sub(user, student, kind, mode="now", confirmed=True, email=None):
    return rules.Subscriber(user, student, kind, mode, email or f"u{user}@example.ru", confirmed)


def test_only_confirmed_subscribers_who_may_see_the_pupil_get_child_letters():
    subs = [sub(1, 10, "mark"), sub(2, 10, "mark", confirmed=False), sub(3, 11, "mark"), sub(4, 10, "mark"),
            sub(5, 10, "homework"), sub(6, 10, "mark", mode="digest")]
    own = {(1, 10), (2, 10), (3, 11), (6, 10)}  # user 4 is no longer that pupil's guardian
    got = rules.recipients(subs, "mark", {10}, None, lambda u, s: (u, s) in own)
    assert [(r.user_id, r.digest) for r in got] == [(1, False), (6, True)]
    assert rules.recipients(subs, "mark", {12}, None, lambda u, s: True) == []


def test_account_letters_go_to_the_accounts_concerned_only():
    subs = [sub(1, None, "message"), sub(2, None, "message"), sub(3, 10, "message"), sub(4, None, "announcement")]
    got = rules.recipients(subs, "message", None, {1, 3, 4}, lambda u, s: False)
    assert [r.user_id for r in got] == [1]


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 11, 19, 12, 0, tzinfo=MSK), datetime(2026, 11, 19, 19, 0, tzinfo=MSK)),
    (datetime(2026, 11, 19, 19, 0, tzinfo=MSK), datetime(2026, 11, 20, 19, 0, tzinfo=MSK)),
    (datetime(2026, 11, 19, 23, 30, tzinfo=MSK), datetime(2026, 11, 20, 19, 0, tzinfo=MSK)),
    (datetime(2026, 11, 19, 15, 59, tzinfo=UTC), datetime(2026, 11, 19, 19, 0, tzinfo=MSK)),  # 18:59 in Moscow
])
def test_the_evening_letter_is_due_at_the_schools_time(now, expected):
    due = rules.digest_due(now, MSK, "19:00")
    assert due == expected and due.tzinfo == now.tzinfo


def test_the_digest_groups_one_letter_per_account_and_address_in_the_order_of_kinds():
    t = datetime(2026, 11, 19, 10, tzinfo=UTC)
    items = [rules.Item(1, 1, 7, "a@x.ru", "message", None, "", "m", t),
             rules.Item(2, 1, 7, "a@x.ru", "mark", 10, "", "5", t + timedelta(minutes=5)),
             rules.Item(3, 1, 8, "b@x.ru", "mark", 11, "", "4", t),
             rules.Item(4, 1, 7, "a@x.ru", "mark", 10, "", "3", t),
             rules.Item(5, 1, 7, "new@x.ru", "homework", 10, "", "hw", t)]
    groups = rules.digest_groups(items)
    assert [[i.id for i in g] for g in groups] == [[4, 2, 1], [5], [3]]


def test_an_unsubscribe_token_is_checked_against_the_addresss_secret():
    token = rules.unsubscribe_token(5, "s3cret", "mark", 10)
    assert rules.parse_unsubscribe(token)[0] == 5
    assert rules.check_unsubscribe(token, "s3cret") == rules.Unsubscribe(5, "mark", 10)
    assert rules.check_unsubscribe(token, "other") is None
    assert rules.check_unsubscribe(token.replace(".mark.", ".homework."), "s3cret") is None
    assert rules.check_unsubscribe(token.replace("5.", "6.", 1), "s3cret") is None
    everything = rules.unsubscribe_token(5, "s3cret")
    assert rules.check_unsubscribe(everything, "s3cret") == rules.Unsubscribe(5, None, None)
    for broken in ("", "5", "x.mark.10.abc", "5.evil.0.abc", "5.mark.x.abc"):
        assert rules.check_unsubscribe(broken, "s3cret") is None


def test_failures_back_off_and_are_given_up_at_last():
    waits = [rules.backoff(n) for n in range(1, rules.MAX_ATTEMPTS + 1)]
    assert waits == sorted(waits) and waits[0] == timedelta(minutes=1)
    assert not rules.gives_up(rules.MAX_ATTEMPTS - 1) and rules.gives_up(rules.MAX_ATTEMPTS)


def test_addresses_and_times_are_checked_with_a_russian_message():
    assert rules.clean_email(" Anna@Example.RU ") == "Anna@example.ru"
    for bad in ("anna", "anna@", "an na@example.ru", "anna@example"):
        with pytest.raises(rules.MailRuleError, match="не похоже на адрес"):
            rules.clean_email(bad)
    with pytest.raises(rules.MailRuleError, match="не заполнен"):
        rules.clean_email("")
    assert rules.parse_time("7:05").hour == 7
    with pytest.raises(rules.MailRuleError, match="например 19:00"):
        rules.parse_time("25:00")


def test_a_letter_has_a_plain_text_part_the_school_and_the_unsubscribe_link_and_escapes_its_html():
    letter = rules.letter("Школа № 1", "Новая отметка", ["<b>Антон</b>: 5"], "https://p.ru/mail?unsubscribe=t",
                          "https://p.ru")
    assert "<b>Антон</b>: 5" in letter.text and "Школа № 1" in letter.text
    assert "Отписаться от этих писем: https://p.ru/mail?unsubscribe=t" in letter.text
    assert "&lt;b&gt;Антон&lt;/b&gt;" in letter.html and "<b>Антон</b>" not in letter.html
    assert 'href="https://p.ru/mail?unsubscribe=t"' in letter.html
    assert rules.mask_email("anna@example.ru") == "an***@example.ru"
