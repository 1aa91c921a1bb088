"""What the printable reports share: their errors, the school's name and calendar, pupils'
enrolment spans, the «last school week», consent for exports to third parties, and the audit
of every export of personal data.

The reports themselves live beside this module: reports_attestation (the attestation summary,
1.4), reports_sheets (the pupil's summary sheet for parents, 1.14, and the class teacher's
report, 5.3), reports_changes (mark changes, 1.13), reports_journal (a whole journal, for the
year archive, 5.13). Each computes plain values; exporters/ turns them into PDF and XLSX.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable

from sqlalchemy import or_
from sqlmodel import Session, select

from models import AcademicYear, Consent, Enrollment, Lesson, School, SchoolClass, SchoolSettings, StudyPeriod
from services.core import audit, clock
from services.core.actor import Actor

RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
             "октября", "ноября", "декабря")
MAX_RANGE_DAYS = 366


class ReportError(ValueError):
    """str(e) is a Russian message for the user: what is wrong and where."""


@dataclass(frozen=True)
class SchoolHead:
    """What every document prints at its top and bottom."""
    id: int
    name: str
    short_name: str
    timezone: str


def school_head(tx: Session, school_id: int) -> SchoolHead:
    school = tx.get(School, school_id)
    if school is None:
        raise ReportError(f"Школа с номером {school_id} не найдена.")
    settings = tx.get(SchoolSettings, school_id)
    return SchoolHead(school.id, school.name, school.short_name, settings.timezone if settings else "Europe/Moscow")


def year_title(start_year: int) -> str:
    return f"{start_year}/{start_year + 1}"


def long_date(day: date) -> str:
    return f"{day.day} {RU_MONTHS[day.month - 1]} {day.year} г."


def span_text(start: date, end: date) -> str:
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}" if start != end else f"{start:%d.%m.%Y}"


def full_name(last: str, first: str, middle: str = "") -> str:
    return " ".join(p for p in (last, first, middle) if p)


# ----------------------------------------------------------------------------- the calendar
def year_of(tx: Session, school_id: int, *, start_year: int | None = None, day: date | None = None) -> AcademicYear:
    """The school's academic year named `start_year`, or the one containing `day`."""
    if start_year is not None:
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                  AcademicYear.start_year == start_year)).first()
        if year is None:
            raise ReportError(f"У школы нет учебного года {year_title(start_year)}.")
        return year
    day = day or clock.today()
    years = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id)
                    .order_by(AcademicYear.starts_on)).all()
    if not years:
        raise ReportError("У школы не заведено ни одного учебного года.")
    inside = [y for y in years if y.starts_on <= day <= y.ends_on]
    if inside:
        return inside[0]
    earlier = [y for y in years if y.starts_on <= day]
    return earlier[-1] if earlier else years[0]


def periods_of(tx: Session, school_id: int, year_id: int) -> list[StudyPeriod]:
    return list(tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == school_id, StudyPeriod.year_id == year_id)
                        .order_by(StudyPeriod.starts_on)).all())


def all_periods(tx: Session, school_id: int) -> list[StudyPeriod]:
    return list(tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == school_id)
                        .order_by(StudyPeriod.starts_on)).all())


def period_containing(periods: Iterable[StudyPeriod], day: date) -> StudyPeriod | None:
    return next((p for p in periods if p.starts_on <= day <= p.ends_on), None)


def last_school_week(periods: list[StudyPeriod], today: date, has_lessons=None) -> tuple[date, date]:
    """The last school week before or at `today` (the default of the summary sheet, 1.14).

    From Friday on, the week in progress is the last school week (clipped to today); earlier in
    the week it is the week before. Weeks that fall wholly outside the study periods
    (holidays) are skipped, and so are weeks without a lesson when `has_lessons(start, end)`
    is given. The week is clipped to the study period it lies in."""
    monday = today - timedelta(days=today.weekday())
    if today.weekday() < 4:
        monday -= timedelta(days=7)
    fallback = None
    for _ in range(60):
        start, end = monday, min(monday + timedelta(days=5), today)
        inside = [p for p in periods if p.starts_on <= end and p.ends_on >= start]
        if inside:
            p = inside[-1]
            start, end = max(start, p.starts_on), min(end, p.ends_on)
            if fallback is None:
                fallback = (start, end)
            if has_lessons is None or has_lessons(start, end):
                return start, end
        monday -= timedelta(days=7)
        if periods and monday + timedelta(days=6) < periods[0].starts_on:
            break
    if fallback is not None:
        return fallback
    raise ReportError("Нет ни одной учебной недели до сегодняшнего дня: учебные периоды школы не заданы "
                      "или ещё не начались.")


def check_range(periods: list[StudyPeriod], date_from: date, date_to: date) -> StudyPeriod:
    """A chosen period of a report must lie inside one study period (1.14: «в течение
    отчётного периода»); returns that study period."""
    if date_from > date_to:
        raise ReportError(f"Начало периода ({date_from:%d.%m.%Y}) позже его конца ({date_to:%d.%m.%Y}).")
    period = period_containing(periods, date_from)
    if period is None:
        raise ReportError(f"Дата начала {date_from:%d.%m.%Y} не попадает ни в один учебный период "
                          "(каникулы или другой учебный год).")
    if date_to > period.ends_on:
        raise ReportError(f"Период отчёта должен лежать внутри одного учебного периода: «{period.name}» "
                          f"идёт с {period.starts_on:%d.%m.%Y} по {period.ends_on:%d.%m.%Y}, а выбран конец "
                          f"{date_to:%d.%m.%Y}.")
    return period


def has_lessons_fn(tx: Session, school_id: int, class_ids: list[int] | None = None):
    """has_lessons(start, end) for last_school_week: is there a lesson of these classes?"""
    def has_lessons(start: date, end: date) -> bool:
        stmt = select(Lesson.id).where(Lesson.school_id == school_id, Lesson.lesson_date >= start,
                                       Lesson.lesson_date <= end, Lesson.status != "cancelled")
        if class_ids:
            stmt = stmt.where(Lesson.class_id.in_(class_ids))
        return tx.exec(stmt.limit(1)).first() is not None
    return has_lessons


# ----------------------------------------------------------------------------- enrolments
@dataclass(frozen=True)
class Stay:
    """A pupil's time in one class."""
    student_id: int
    class_id: int
    starts_on: date
    ends_on: date | None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def stays(tx: Session, school_id: int, start: date, end: date, *, class_ids: list[int] | None = None,
          student_ids: list[int] | None = None) -> list[Stay]:
    """Enrolments overlapping [start, end] (of these classes or these pupils)."""
    stmt = select(Enrollment.student_id, Enrollment.class_id, Enrollment.starts_on, Enrollment.ends_on).where(
        Enrollment.school_id == school_id, Enrollment.starts_on <= end,
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= start))
    if class_ids is not None:
        stmt = stmt.where(Enrollment.class_id.in_(class_ids))
    if student_ids is not None:
        stmt = stmt.where(Enrollment.student_id.in_(student_ids))
    return [Stay(*row) for row in tx.exec(stmt).all()]


def all_stays_of(tx: Session, school_id: int, student_ids: list[int]) -> dict[int, list[Stay]]:
    """Every enrolment of these pupils (to say where a pupil came from or went to)."""
    out: dict[int, list[Stay]] = defaultdict(list)
    if not student_ids:
        return out
    for row in tx.exec(select(Enrollment.student_id, Enrollment.class_id, Enrollment.starts_on, Enrollment.ends_on)
                       .where(Enrollment.school_id == school_id, Enrollment.student_id.in_(student_ids))
                       .order_by(Enrollment.starts_on)).all():
        out[row[0]].append(Stay(*row))
    return out


def class_names(tx: Session, school_id: int, year_id: int | None = None) -> dict[int, SchoolClass]:
    stmt = select(SchoolClass).where(SchoolClass.school_id == school_id)
    if year_id is not None:
        stmt = stmt.where(SchoolClass.year_id == year_id)
    return {c.id: c for c in tx.exec(stmt).all()}


def class_sort_key(cls: SchoolClass) -> tuple:
    return (cls.grade, cls.letter, cls.name)


# ----------------------------------------------------------------------------- consent
def withheld_pupils(tx: Session, school_id: int, student_ids: Iterable[int], on: date | None = None) -> set[int]:
    """Pupils to leave out of an export to third parties: a guardian withdrew the consent to
    the processing of personal data and no consent is in force on `on` (R-SAFE-1, 5.17)."""
    ids = sorted(set(student_ids))
    if not ids:
        return set()
    on = on or clock.today()
    try:  # the consents service (issue 8) decides when it is there
        from services.people import consents  # type: ignore
        decide = getattr(consents, "withdrawn_pupils", None)
        if callable(decide):
            return set(decide(tx, school_id, ids, on))
    except ImportError:
        pass
    rows = tx.exec(select(Consent.student_id, Consent.given_on, Consent.withdrawn_on).where(
        Consent.school_id == school_id, Consent.student_id.in_(ids))).all()
    active, withdrawn = set(), set()
    for sid, given, gone in rows:
        if gone is not None and gone <= on:
            withdrawn.add(sid)
        elif given <= on:
            active.add(sid)
    return withdrawn - active


# ----------------------------------------------------------------------------- the audit
def record_export(actor: Actor, school_id: int, report: str, fmt: str, *, pupils: int, scope: str,
                  third_party: bool = False, withheld: int = 0) -> None:
    """Every export of personal data is an event of its own (DESIGN.md decision 5)."""
    purpose = "для третьих лиц" if third_party else "для документов школы"
    detail = f"{report}; формат {fmt}; {scope}; учеников: {pupils}; {purpose}"
    if third_party:
        detail += f"; исключено без согласия: {withheld}"
    audit.record_now(actor, "personal_data.exported", school_id=school_id, entity="report", entity_id=report,
                     detail=detail)


def made_at() -> datetime:
    return clock.now()
