"""Sign-in throttling rules and the client address (issue 13, items 1 and 9)."""
from datetime import datetime, timedelta, timezone

from services.rules.sign_in import (
    account_delay, account_locked_until, address_locked_until, client_address, parse_proxies, too_long,
)

T = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)
CAP = timedelta(minutes=15)


def test_the_account_delay_starts_after_the_free_failures_doubles_and_is_capped():
    assert [account_delay(n, 10, CAP) for n in (0, 9)] == [timedelta(0)] * 2
    assert [account_delay(n, 10, CAP).seconds // 60 for n in (10, 11, 12, 13, 14, 15, 1000)] == [1, 2, 4, 8, 15, 15, 15]
    failures = [T + timedelta(seconds=i) for i in range(10)]
    assert account_locked_until(failures, 10, CAP) == T + timedelta(seconds=9, minutes=1)
    assert account_locked_until(failures[:9], 10, CAP) is None


def test_the_address_lock_ends_when_the_oldest_counted_failure_leaves_the_window():
    failures = [T + timedelta(minutes=i) for i in range(6)]
    assert address_locked_until(failures, 5, CAP) == T + timedelta(minutes=1) + CAP
    assert address_locked_until(failures[:4], 5, CAP) is None


def test_forwarded_for_is_believed_only_from_a_configured_proxy():
    proxies = parse_proxies("127.0.0.1, 10.0.0.2")
    assert client_address("203.0.113.5", "1.2.3.4", proxies) == "203.0.113.5"       # no proxy: header ignored
    assert client_address(None, "1.2.3.4", frozenset()) == "127.0.0.1"               # local, no proxy set
    assert client_address(None, "1.2.3.4", proxies) == "1.2.3.4"                     # nginx on this machine
    # a forged left-most hop is ignored: the right-most hop not a proxy is what nginx saw
    assert client_address(None, "6.6.6.6, 198.51.100.9, 10.0.0.2", proxies) == "198.51.100.9"
    assert client_address(None, "not-an-ip", proxies) == "127.0.0.1"
    assert client_address("10.0.0.2", None, proxies) == "10.0.0.2"


def test_absurd_lengths_are_refused_with_a_message():
    assert too_long("admin", "x" * 256) is None
    assert "Логин длиннее 128" in too_long("a" * 129, "x")
    assert "Пароль длиннее 256" in too_long("admin", "x" * 257)
