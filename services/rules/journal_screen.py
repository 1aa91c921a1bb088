"""Where the journal opens and when a period mark needs a word of confirmation (pure rules).

* The shown range: by default the days around the date the teacher works on (today), so that
  today's lesson stays among the first columns in view; «Весь период» shows the whole period.
* Today's column: the first column of today's lesson, else of the last lesson before today
  (else the first one), so the grid can mark it.
* A period mark typed before the period's last two weeks is early and must be confirmed.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Sequence

DAYS_BEFORE = 7        # days shown before the focus date
DAYS_AFTER = 7         # and after it
PERIOD_MARK_WEEKS = 2  # period marks are set in the period's last two weeks


def shown_range(starts_on: date, ends_on: date, focus: date, whole: bool) -> tuple[date, date]:
    """The first and last day shown: the whole period, or the days around `focus` inside it."""
    if whole:
        return starts_on, ends_on
    centre = min(max(focus, starts_on), ends_on)
    return max(starts_on, centre - timedelta(days=DAYS_BEFORE)), min(ends_on, centre + timedelta(days=DAYS_AFTER))


def today_column(dates: Sequence[date], today: date) -> int | None:
    """The index of the column to mark: today's lesson's first column, else the last lesson's
    before today, else the first column; None without columns. `dates` are in column order."""
    if not dates:
        return None
    same = [i for i, d in enumerate(dates) if d == today]
    if same:
        return same[0]
    before = [i for i, d in enumerate(dates) if d < today]
    if not before:
        return 0
    last = dates[before[-1]]
    return next(i for i, d in enumerate(dates) if d == last)


def period_mark_opens(ends_on: date) -> date:
    """The first day on which a period mark is no longer early."""
    return ends_on - timedelta(weeks=PERIOD_MARK_WEEKS) + timedelta(days=1)


def period_mark_early(today: date, ends_on: date) -> bool:
    """Is a period mark typed `today` early (before the period's last two weeks)?"""
    return today < period_mark_opens(ends_on)
