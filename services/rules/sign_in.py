"""Throttling of sign-in, as pure functions of the attempts already made (issue 13, item 1).

Per account: the first `free` failures since the last success cost nothing; each further one
closes sign-in for a delay that doubles from one minute up to a cap (15 minutes by default),
counted from that failure. Attempts refused while closed are recorded but never counted, so
the right password is never refused for longer than the cap after the attack stops.

Per client address: at most `limit` counted failures within the window; the address is then
refused until the oldest of them leaves the window. Refused attempts do not count either.

An address the account signed in from within 30 days is judged by its own failures only, so
an attacker elsewhere cannot keep the owner out of their usual place (services/core/auth.py).
"""
from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

BASE_DELAY = timedelta(minutes=1)
LOOKBACK = timedelta(hours=24)   # older failures of an account are forgotten
KNOWN_ADDRESS = timedelta(days=30)  # an address the account signed in from lately
MAX_LOGIN = 128                  # longer input is refused before any hashing
MAX_PASSWORD = 256
STORED_LOGIN = 120               # what a sign-in attempt keeps of the typed login


def account_delay(failures: int, free: int, cap: timedelta) -> timedelta:
    """How long sign-in stays closed after the `failures`-th counted failure in a row."""
    if failures < free:
        return timedelta(0)
    return min(cap, BASE_DELAY * 2 ** min(failures - free, 20))


def account_locked_until(failures: list[datetime], free: int, cap: timedelta) -> datetime | None:
    """The end of the account's delay, from its counted failures since the last success."""
    delay = account_delay(len(failures), free, cap)
    return max(failures) + delay if delay else None


def address_locked_until(failures: list[datetime], limit: int, window: timedelta) -> datetime | None:
    """The end of an address's lock, from its counted failures within the window."""
    if len(failures) < limit:
        return None
    return sorted(failures)[-limit] + window


def too_long(login: str, password: str) -> str | None:
    """A Russian message when the login or the password is absurdly long, else None."""
    if len(login) > MAX_LOGIN:
        return f"Логин длиннее {MAX_LOGIN} символов: такого логина нет. Проверьте, что ввели."
    if len(password) > MAX_PASSWORD:
        return f"Пароль длиннее {MAX_PASSWORD} символов: такого пароля нет. Проверьте, что ввели."
    return None


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: frozenset[str]) -> str:
    """The address a sign-in counts against. `peer` is the connection's address (None means the
    local host); X-Forwarded-For is believed only when the peer is a configured proxy, and then
    its right-most hop that is not itself a trusted proxy (the one the proxy saw)."""
    address = _ip(peer) if peer else "127.0.0.1"
    address = address or "unknown"
    if address not in trusted_proxies or not forwarded_for:
        return address
    for hop in reversed(forwarded_for.split(",")):
        hop_ip = _ip(hop)
        if hop_ip is None:
            return address  # garbage the proxy did not write: keep the proxy's own address
        if hop_ip not in trusted_proxies:
            return hop_ip
    return address


def parse_proxies(text: str) -> frozenset[str]:
    """PORTAL_TRUSTED_PROXIES: addresses separated by commas or spaces."""
    return frozenset(ip for ip in (_ip(p) for p in text.replace(",", " ").split()) if ip)
