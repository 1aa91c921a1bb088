"""Ids typed into an address (?pupil=42): only a sane positive whole number is an id (issue 13,
item 11). A huge number would overflow the database driver (OverflowError), a sign, a space or
a non-ASCII digit is not an id at all."""
from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest id either database's integer key holds


def parse_id(raw: object) -> int | None:
    """The id written in `raw`, or None when it is not a number from 1 to MAX_ID."""
    text = str(raw).strip() if raw is not None else ""
    if not text or len(text) > len(str(MAX_ID)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
