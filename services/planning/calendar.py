"""The school year (R-PLAN-2): study periods, vacations and holidays, the bell schedule.

The administrator opens a year (1 September – 31 August) with periods of the school's kind
(quarters, trimesters, halves) at their usual dates, the vacations between them and the
Russian public holidays (from the `holidays` package), and corrects them. Lessons follow the
calendar: a change of periods or holidays regenerates the year's lessons from today on (lessons
that hold data are never deleted, services/planning/timetable_lessons.py); a change of the bells moves
the times of the lessons from today on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import update
from sqlmodel import Session, select

from models import (
    AcademicYear, BellSchedule, Holiday, Lesson, PeriodMark, SchoolClass, SchoolSettings, StudyPeriod,
)
from models.db import reading, transaction
from services.core import audit, clock, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.rules import timetable_calendar as R
from services.planning import timetable_lessons
from services.planning.years import CalendarError, year_for
from services.rules.timetable_lessons import Calendar


@dataclass(frozen=True)
class YearRef:
    id: int
    start_year: int
    starts_on: date
    ends_on: date
    is_closed: bool

    @property
    def label(self) -> str:
        return f"{self.start_year}/{self.start_year + 1}" + (" (закрыт)" if self.is_closed else "")


@dataclass(frozen=True)
class PeriodInfo:
    id: int
    kind: str
    number: int
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class HolidayInfo:
    id: int
    name: str
    kind: str
    starts_on: date
    ends_on: date


@dataclass
class YearCalendar:
    school_id: int
    year: YearRef
    periods: list[PeriodInfo]
    holidays: list[HolidayInfo]
    bells: dict[int, list[R.BellSpec]] = field(default_factory=dict)  # shift → bells
    editable: bool = False

    def school_days(self, date_from: date | None = None, date_to: date | None = None) -> list[date]:
        from services.rules.timetable_lessons import school_days
        cal = Calendar(tuple((p.id, p.starts_on, p.ends_on) for p in self.periods),
                       tuple((h.starts_on, h.ends_on) for h in self.holidays))
        return [d for d, _ in school_days(cal, date_from or self.year.starts_on, date_to or self.year.ends_on)]


def _ref(y: AcademicYear) -> YearRef:
    return YearRef(y.id, y.start_year, y.starts_on, y.ends_on, y.is_closed)


# ------------------------------------------------------------------ reading
def years(actor: Actor, school_id: int) -> list[YearRef]:
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        return [_ref(y) for y in tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id)
                                         .order_by(AcademicYear.start_year)).all()]


def load(actor: Actor, school_id: int, year_id: int | None = None) -> YearCalendar:
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        year = year_for(tx, school_id, year_id)
        return _load(tx, actor, school_id, year)


def _load(tx: Session, actor: Actor, school_id: int, year: AcademicYear) -> YearCalendar:
    periods = [PeriodInfo(p.id, p.kind, p.number, p.name, p.starts_on, p.ends_on) for p in tx.exec(
        select(StudyPeriod).where(StudyPeriod.school_id == school_id, StudyPeriod.year_id == year.id)
        .order_by(StudyPeriod.starts_on)).all()]
    holidays = [HolidayInfo(h.id, h.name, h.kind, h.starts_on, h.ends_on) for h in tx.exec(
        select(Holiday).where(Holiday.school_id == school_id, Holiday.year_id == year.id)
        .order_by(Holiday.starts_on, Holiday.id)).all()]
    return YearCalendar(school_id, _ref(year), periods, holidays, bells_of(tx, school_id),
                        editable=not year.is_closed and policy.allowed(actor, "calendar.edit",
                                                                         school_target(tx, school_id)))


def bells_of(tx: Session, school_id: int) -> dict[int, list[R.BellSpec]]:
    out: dict[int, list[R.BellSpec]] = {}
    for b in tx.exec(select(BellSchedule).where(BellSchedule.school_id == school_id)
                     .order_by(BellSchedule.shift, BellSchedule.lesson_number)).all():
        out.setdefault(b.shift, []).append(R.BellSpec(b.lesson_number, b.starts_at, b.ends_at, b.shift))
    return out


# ------------------------------------------------------------------ changing
def _editable_year(tx: Session, actor: Actor, year_id: int) -> AcademicYear:
    year = tx.get(AcademicYear, year_id)
    if year is None:
        raise CalendarError("Учебный год не найден.")
    policy.require(actor, "calendar.edit", school_target(tx, year.school_id, entity="academic_year",
                                                           entity_id=year_id))
    if year.is_closed:
        raise CalendarError(f"{year.start_year}/{year.start_year + 1} учебный год закрыт: календарь не меняется.")
    return year


def create_year(actor: Actor, school_id: int, start_year: int, *, kind: str | None = None,
                public_holidays: bool = True) -> int:
    """Open a school year with periods of `kind` (default: the school's setting) at their usual
    dates, the vacations between them, and (by default) the Russian public holidays."""
    if not 2000 <= start_year <= 2100:
        raise CalendarError("Учебный год указывается годом начала, например 2026.")
    with transaction() as tx:
        policy.require(actor, "calendar.edit", school_target(tx, school_id, entity="academic_year"))
        if tx.exec(select(AcademicYear.id).where(AcademicYear.school_id == school_id,
                                                 AcademicYear.start_year == start_year)).first():
            raise CalendarError(f"{start_year}/{start_year + 1} учебный год уже открыт.")
        settings = tx.get(SchoolSettings, school_id)
        kind = kind or (settings.period_type if settings else "quarter")
        if kind not in R.PERIOD_KINDS:
            raise CalendarError("Вид периодов: quarter (четверти), trimester (триместры) или half (полугодия).")
        starts, ends = R.year_bounds(start_year)
        year = AcademicYear(school_id=school_id, start_year=start_year, starts_on=starts, ends_on=ends)
        tx.add(year)
        tx.flush()
        periods = R.default_periods(start_year, kind)
        for p in periods:
            tx.add(StudyPeriod(school_id=school_id, year_id=year.id, kind=kind, number=p.number, name=p.name,
                               starts_on=p.starts_on, ends_on=p.ends_on))
        spans = R.default_vacations(periods, ends) + (R.public_holidays(starts, ends) if public_holidays else [])
        for h in spans:
            tx.add(Holiday(school_id=school_id, year_id=year.id, name=h.name[:120], kind=h.kind,
                           starts_on=h.starts_on, ends_on=h.ends_on))
        audit.record(tx, actor, "calendar.year_opened", school_id=school_id, entity="academic_year",
                     entity_id=year.id, new={"start_year": start_year, "kind": kind, "periods": len(periods),
                                             "holidays": len(spans)})
        return year.id


def save_periods(actor: Actor, year_id: int, periods: list[R.PeriodSpec], *, kind: str | None = None):
    """Replace the year's periods (matched by number). A period that already has period marks
    cannot be removed. Lessons take their period anew, and the year's lessons are regenerated
    from today on. Returns the generation result."""
    with transaction() as tx:
        year = _editable_year(tx, actor, year_id)
        problems = R.check_periods(periods, year.starts_on, year.ends_on)
        if problems:
            raise CalendarError(" ".join(problems))
        old = {p.number: p for p in tx.exec(select(StudyPeriod).where(StudyPeriod.year_id == year_id)).all()}
        kind = kind or (next(iter(old.values())).kind if old else "quarter")
        if kind not in R.PERIOD_KINDS:
            raise CalendarError("Вид периодов: четверти, триместры или полугодия.")
        before = [{"number": p.number, "name": p.name, "starts_on": p.starts_on, "ends_on": p.ends_on}
                  for p in sorted(old.values(), key=lambda p: p.number)]
        for number, row in list(old.items()):
            if number in {p.number for p in periods}:
                continue
            if tx.exec(select(PeriodMark.id).where(PeriodMark.period_id == row.id).limit(1)).first():
                raise CalendarError(f"Период «{row.name}» нельзя удалить: по нему уже выставлены отметки за период.")
            tx.exec(update(Lesson).where(Lesson.period_id == row.id).values(period_id=None)
                    .execution_options(synchronize_session=False))
            tx.delete(row)
        for p in periods:
            row = old.get(p.number) or StudyPeriod(school_id=year.school_id, year_id=year_id, number=p.number,
                                                   kind=kind, name=p.name, starts_on=p.starts_on, ends_on=p.ends_on)
            row.kind, row.name, row.starts_on, row.ends_on = kind, p.name.strip(), p.starts_on, p.ends_on
            tx.add(row)
        tx.flush()
        _relink_periods(tx, year)
        audit.record(tx, actor, "calendar.periods_changed", school_id=year.school_id, entity="academic_year",
                     entity_id=year_id, old=before,
                     new=[{"number": p.number, "name": p.name, "starts_on": p.starts_on, "ends_on": p.ends_on}
                          for p in periods])
        return _regenerate(tx, actor, year)


def _relink_periods(tx: Session, year: AcademicYear) -> None:
    """Every lesson of the year's classes gets the period its date falls in (or none)."""
    class_ids = select(SchoolClass.id).where(SchoolClass.year_id == year.id)
    tx.exec(update(Lesson).where(Lesson.school_id == year.school_id, Lesson.class_id.in_(class_ids))
            .values(period_id=None).execution_options(synchronize_session=False))
    for p in tx.exec(select(StudyPeriod).where(StudyPeriod.year_id == year.id)).all():
        tx.exec(update(Lesson).where(Lesson.school_id == year.school_id, Lesson.class_id.in_(class_ids),
                                     Lesson.lesson_date >= p.starts_on, Lesson.lesson_date <= p.ends_on)
                .values(period_id=p.id).execution_options(synchronize_session=False))


def save_holidays(actor: Actor, year_id: int, holidays: list[R.HolidaySpec]):
    """Replace the year's vacations and holidays; regenerates the year's lessons from today on
    (lessons on days that became holidays go unless they hold data). Returns the generation result."""
    with transaction() as tx:
        year = _editable_year(tx, actor, year_id)
        problems = []
        for h in holidays:
            problems += R.check_holiday(h, year.starts_on, year.ends_on)
        if problems:
            raise CalendarError(" ".join(problems))
        old = tx.exec(select(Holiday).where(Holiday.year_id == year_id)).all()
        before = sorted((h.name, h.kind, h.starts_on.isoformat(), h.ends_on.isoformat()) for h in old)
        after = sorted((h.name.strip(), h.kind, h.starts_on.isoformat(), h.ends_on.isoformat()) for h in holidays)
        if before == after:
            return None
        for h in old:
            tx.delete(h)
        for h in holidays:
            tx.add(Holiday(school_id=year.school_id, year_id=year_id, name=h.name.strip()[:120], kind=h.kind,
                           starts_on=h.starts_on, ends_on=h.ends_on))
        tx.flush()
        audit.record(tx, actor, "calendar.holidays_changed", school_id=year.school_id, entity="academic_year",
                     entity_id=year_id, old=before, new=after)
        return _regenerate(tx, actor, year)


def add_public_holidays(actor: Actor, year_id: int) -> int:
    """Add the Russian public holidays of the year that are not there yet; returns how many."""
    with transaction() as tx:
        year = _editable_year(tx, actor, year_id)
        have = {(h.starts_on, h.ends_on) for h in tx.exec(select(Holiday).where(Holiday.year_id == year_id)).all()}
        added = 0
        for h in R.public_holidays(year.starts_on, year.ends_on):
            if (h.starts_on, h.ends_on) in have:
                continue
            tx.add(Holiday(school_id=year.school_id, year_id=year_id, name=h.name[:120], kind="public",
                           starts_on=h.starts_on, ends_on=h.ends_on))
            added += 1
        if added:
            tx.flush()
            audit.record(tx, actor, "calendar.holidays_changed", school_id=year.school_id, entity="academic_year",
                         entity_id=year_id, new={"public_holidays_added": added})
            _regenerate(tx, actor, year)
        return added


def save_bells(actor: Actor, school_id: int, shift: int, bells: list[R.BellSpec], *,
               effective_from: date | None = None) -> int:
    """Replace the bells of a shift. Lessons of that shift's classes from `effective_from`
    (default today) take the new times; returns how many lessons changed time."""
    bells = [R.BellSpec(b.lesson_number, b.starts_at, b.ends_at, shift) for b in bells]
    problems = R.check_bells(bells)
    if not bells:
        problems.append("Нужен хотя бы один урок в расписании звонков.")
    if problems:
        raise CalendarError(" ".join(problems))
    day = effective_from or clock.today()
    with transaction() as tx:
        policy.require(actor, "calendar.edit", school_target(tx, school_id, entity="bells", entity_id=shift))
        old = {b.lesson_number: b for b in tx.exec(select(BellSchedule).where(
            BellSchedule.school_id == school_id, BellSchedule.shift == shift)).all()}
        new_numbers = {b.lesson_number for b in bells}
        from models import TimetableSlot
        used = set(tx.exec(select(TimetableSlot.lesson_number).join(SchoolClass, SchoolClass.id == TimetableSlot.class_id)
                           .where(TimetableSlot.school_id == school_id, SchoolClass.shift == shift,
                                  (TimetableSlot.valid_to.is_(None)) | (TimetableSlot.valid_to >= day))).all())
        dropped = sorted(used - new_numbers)
        if dropped:
            raise CalendarError(f"В расписании есть {', '.join(map(str, dropped))} урок(и) {shift} смены: "
                                "сначала уберите их из расписания классов.")
        before = [f"{b.lesson_number}: {b.starts_at:%H:%M}–{b.ends_at:%H:%M}"
                  for b in sorted(old.values(), key=lambda b: b.lesson_number)]
        for number, row in old.items():
            if number not in new_numbers:
                tx.delete(row)
        for b in bells:
            row = old.get(b.lesson_number) or BellSchedule(school_id=school_id, shift=shift,
                                                           lesson_number=b.lesson_number, starts_at=b.starts_at,
                                                           ends_at=b.ends_at)
            row.starts_at, row.ends_at = b.starts_at, b.ends_at
            tx.add(row)
        tx.flush()
        changed = 0
        classes = select(SchoolClass.id).where(SchoolClass.school_id == school_id, SchoolClass.shift == shift)
        for b in bells:
            res = tx.exec(update(Lesson).where(
                Lesson.school_id == school_id, Lesson.class_id.in_(classes), Lesson.lesson_date >= day,
                Lesson.lesson_number == b.lesson_number,
                (Lesson.starts_at != b.starts_at) | (Lesson.ends_at != b.ends_at))
                .values(starts_at=b.starts_at, ends_at=b.ends_at, version=Lesson.version + 1)
                .execution_options(synchronize_session=False))
            changed += res.rowcount or 0
        audit.record(tx, actor, "calendar.bells_changed", school_id=school_id, entity="bells", entity_id=shift,
                     old=before, new=[f"{b.lesson_number}: {b.starts_at:%H:%M}–{b.ends_at:%H:%M}" for b in bells],
                     detail=f"уроков с новым временем: {changed}")
        return changed


def _regenerate(tx: Session, actor: Actor, year: AcademicYear):
    start = max(clock.today(), year.starts_on)
    if start > year.ends_on:
        return None
    return timetable_lessons.generate_in(tx, actor, year.school_id, year, date_from=start)


def parse_bell_time(text: str | time) -> time:
    if isinstance(text, time):
        return text
    from services.rules.timetable import parse_time
    try:
        return parse_time(text)
    except ValueError as e:
        raise CalendarError(str(e)) from None


def year_id_of(school_id: int, text: str) -> int:
    """The id of the school's year named «2026», «2026/2027» or «2026-2027» (for the command line)."""
    try:
        start_year = clock.parse_school_year(text)
    except ValueError as e:
        raise CalendarError(str(e) if "Учебный год" in str(e) else f"Учебный год «{text}»: ожидается 2026 "
                            "или 2026/2027.") from None
    with reading() as tx:
        found = tx.exec(select(AcademicYear.id).where(AcademicYear.school_id == school_id,
                                                      AcademicYear.start_year == start_year)).first()
    if found is None:
        raise CalendarError(f"{start_year}/{start_year + 1} учебный год в школе не открыт.")
    return found
