"""How the screens and printouts write a person's name (pure functions)."""
from __future__ import annotations


def short_name(last: str, first: str, middle: str = "") -> str:
    initials = " ".join(f"{p[0]}." for p in (first, middle) if p)
    return f"{last} {initials}".strip()
