"""What time it is: one clock for the whole portal, settable by tests and benchmarks."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from services.core import config

UTC = timezone.utc
MOSCOW = ZoneInfo("Europe/Moscow")
_frozen: datetime | None = None


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (aware), or unfreeze it with None."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _frozen = moment


def now() -> datetime:
    """The current moment, aware, in UTC."""
    if _frozen is not None:
        return _frozen.astimezone(UTC)
    fake = config.get("PORTAL_FAKE_NOW")
    if fake:
        moment = datetime.fromisoformat(fake)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=MOSCOW)
        return moment.astimezone(UTC)
    return datetime.now(UTC)




def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or config.get("PORTAL_TIMEZONE"))


def local_now(tz_name: str | None = None) -> datetime:
    return now().astimezone(zone(tz_name))


def today(tz_name: str | None = None) -> date:
    return local_now(tz_name).date()


def to_local(stored: datetime, tz_name: str | None = None) -> datetime:
    """A stored timestamp (aware UTC; naive is read as UTC) in the school's time zone."""
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)
    return stored.astimezone(zone(tz_name))


def to_stored(moment: datetime) -> datetime:
    """An aware moment in UTC: the form every timestamp column keeps (SQLModel's UTCDateTime)."""
    if moment.tzinfo is None:
        raise ValueError("to_stored needs an aware datetime")
    return moment.astimezone(UTC)


def school_year_of(day: date) -> int:
    """The school year (named by its starting calendar year) that `day` falls in."""
    return day.year if day.month >= 9 else day.year - 1


def parse_school_year(text: str) -> int:
    """'2025', '2025/2026' or '2025-2026' → 2025 (DESIGN.md decision 12)."""
    cleaned = text.strip().replace("–", "-")
    for sep in ("/", "-"):
        if sep in cleaned:
            first, second = cleaned.split(sep, 1)
            start, end = int(first), int(second)
            if end != start + 1:
                raise ValueError(f"Учебный год «{text}»: второй год должен быть следующим за первым")
            return start
    return int(cleaned)
