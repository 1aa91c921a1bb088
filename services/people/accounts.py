"""Accounts before credentials: a login made from the name, unique in the installation, and a new
account with no password (services/people/credentials.py hands out the passwords later). The roster's
imports and a guardian added on the class screen make people's accounts here.
"""
from __future__ import annotations

from typing import Iterable

from sqlmodel import Session, select

from models import User
from services.core import clock

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y",
    "ь": "", "э": "e", "ю": "iu", "я": "ia",
}


def translit(text: str) -> str:
    """Russian letters → Latin as in the Russian passport (ICAO Doc 9303); Latin letters, digits
    and hyphens kept, anything else dropped."""
    out = []
    for ch in text.lower():
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
        elif "a" <= ch <= "z" or "0" <= ch <= "9" or ch == "-":
            out.append(ch)
    return "".join(out).strip("-")


def login_base(last: str, first: str, middle: str = "") -> str:
    """«Иванов Пётр Сергеевич» → «ivanov.ps»: the surname, a dot and the initials."""
    surname = translit(last.replace(" ", "-"))[:40] or "user"
    initials = "".join(translit(x)[:1] for x in (first, middle) if x)
    base = f"{surname}.{initials}" if initials else surname
    if len(base) < 3:
        base += "user"
    if not base[0].isalnum():
        base = "u" + base
    return base


class Logins:
    """Hands out unique logins inside one transaction: ivanov.ps, ivanov.ps2, ivanov.ps3…
    Few queries: one IN per 500 bases, and a LIKE only for a base that is taken."""

    def __init__(self, tx: Session):
        self.tx = tx
        self.taken: set[str] = set()
        self.checked: set[str] = set()
        self.numbered: set[str] = set()

    def prepare(self, bases: Iterable[str]) -> None:
        fresh = list(dict.fromkeys(b for b in bases if b not in self.checked))
        for i in range(0, len(fresh), 500):
            self.taken.update(self.tx.exec(select(User.login).where(User.login.in_(fresh[i:i + 500]))).all())
        self.checked.update(fresh)

    def allocate(self, base: str) -> str:
        if base not in self.checked:
            self.prepare([base])
        if base in self.taken and base not in self.numbered:
            self.taken.update(self.tx.exec(select(User.login).where(User.login.like(base + "%"))).all())
            self.numbered.add(base)
        login, n = base, 2
        while login in self.taken:
            login, n = f"{base}{n}", n + 1
        self.taken.add(login)
        return login


def new_user(tx: Session, logins: Logins, last: str, first: str, middle: str = "", *,
             email: str | None = None, phone: str | None = None, flush: bool = True) -> User:
    """An account with a login from the name and no password (credentials come later)."""
    user = User(login=logins.allocate(login_base(last, first, middle)), password_hash=None, last_name=last,
                first_name=first, middle_name=middle, email=email or None, phone=phone or None,
                created_at=clock.now())
    tx.add(user)
    if flush:
        tx.flush()
    return user
