"""R-CON-4 for a pupil who changes class during a study period: marks stay where they were given;
the period mark belongs to the class the pupil is in at the end of the period (the last class
of the period), is suggested from all the pupil's marks of the period in the subject, and every
other class shows it read-only."""
from __future__ import annotations

from datetime import date
from typing import Iterable


def owner_class(spans: Iterable[tuple[int, date, date | None]], start: date, end: date) -> int | None:
    """spans: (class_id, starts_on, ends_on or None) of one pupil. The class of the period's last
    enrolment that overlaps [start, end]; None when the pupil is in no class during the period."""
    inside = [(s, e if e is not None else date.max, c) for c, s, e in spans
              if s <= end and (e is None or e >= start)]
    if not inside:
        return None
    return max(inside, key=lambda t: (min(t[1], end), t[0]))[2]
