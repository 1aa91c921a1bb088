"""The indicators for people (R-CTL-2, R-CTL-6): the dashboard of a deputy director or director, the drill-down,
the weekly trend, and the municipal coordinator's side-by-side view (aggregates only).

Every function asks the policy first. A deputy (завуч) sees only their parallels or subject
areas: the scope of a run is narrowed to them here, whatever the page asked for. A
coordinator gets numbers per school and per class, never a pupil's name: drill-downs
(«indicators.drilldown») are school-level only.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import select

from checks import registry, runner, snapshot
from checks.base import CATEGORIES, Result
from checks.runner import Finding, Overrides, Part
from checks.scope import Scope
from models import AcademicYear, Lesson, Municipality, School, SchoolClass, StudyPeriod, Subject
from models.db import reading
from services.control.indicators_settings import load_overrides
from services.core import clock, config, policy
from services.core.actor import Actor
from services.core.policy import Target
from services.core.schools import school_target

# the schedule: a page refreshes the snapshot when it is older than this (cron may run
# `manage.py snapshot` more often)
MAX_AGE_MINUTES = 60


class IndicatorError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class Choice:
    """What the user chose on the screen; the service narrows it to what they may see."""
    date_from: date
    date_to: date
    grades: tuple[int, ...] = ()
    class_ids: tuple[int, ...] = ()
    subject_ids: tuple[int, ...] = ()
    teacher_id: int | None = None


@dataclass(frozen=True)
class Row:
    category: str
    id: str
    name: str
    definition: str
    unit: str
    good: str
    value: float | None
    numerator: float | None
    denominator: float | None
    status: str
    green: float
    yellow: float


@dataclass(frozen=True)
class Dashboard:
    school_id: int
    scope: Scope
    label: str                        # «данные на 14:05»
    rows: tuple[Row, ...]
    deputy: tuple[Row, ...]
    limited_to: str = ""              # «параллели 5, 6» for a deputy

    def by_category(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {c: [] for c in CATEGORIES if c != "deputy"}
        for row in self.rows:
            out[row.category].append(row)
        return out


# --- the snapshot ------------------------------------------------------------------------------
def ensure_snapshot(max_age_minutes: float = MAX_AGE_MINUTES) -> snapshot.SnapshotInfo:
    """The snapshot of the live database, refreshed first when missing or stale."""
    return snapshot.ensure(max_age_minutes)


def refresh_snapshot(actor: Actor, school_id: int | None = None, municipality_id: int | None = None
                     ) -> snapshot.SnapshotInfo:
    """Refresh on demand (anyone who may see the indicators somewhere)."""
    target = Target(school_id=school_id, municipality_id=municipality_id, entity="snapshot")
    if school_id is not None:
        with reading() as tx:
            target = school_target(tx, school_id, entity="snapshot")
    policy.require(actor, "indicators.view", target)
    return snapshot.refresh()


def snapshot_label() -> str:
    current = snapshot.info()
    return current.label() if current else "данных ещё нет"


# --- periods -------------------------------------------------------------------------------------
def default_range(school_ids) -> tuple[date, date]:
    """The latest school year that has lessons (else the current one): 1 September – 31 August."""
    ids = list(school_ids)
    with reading() as tx:
        last = tx.exec(select(func.max(Lesson.lesson_date)).where(Lesson.school_id.in_(ids))).one() if ids else None
    year = clock.school_year_of(last) if last else clock.school_year_of(clock.today())
    return date(year, 9, 1), date(year + 1, 8, 31)


def year_range(year: int) -> tuple[date, date]:
    return date(year, 9, 1), date(year + 1, 8, 31)


@dataclass(frozen=True)
class PeriodOption:
    label: str
    date_from: date
    date_to: date


def period_options(school_id: int) -> list[PeriodOption]:
    """The choices of dates offered on screens: this week, last 4 weeks, the study periods, the year."""
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    out = [PeriodOption("Эта неделя", monday, monday + timedelta(days=6)),
           PeriodOption("Последние 4 недели", monday - timedelta(days=21), today)]
    with reading() as tx:
        years = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id)
                        .order_by(AcademicYear.start_year.desc())).all()
        for y in years[:2]:
            periods = tx.exec(select(StudyPeriod).where(StudyPeriod.year_id == y.id)
                              .order_by(StudyPeriod.starts_on)).all()
            for p in periods:
                out.append(PeriodOption(f"{p.name} {y.start_year}/{y.start_year + 1}", p.starts_on, p.ends_on))
            out.append(PeriodOption(f"Учебный год {y.start_year}/{y.start_year + 1}", y.starts_on, y.ends_on))
    return out


def current_period(school_id: int) -> PeriodOption:
    """The study period that contains today (else the last one that began, else the year)."""
    today = clock.today()
    options = [o for o in period_options(school_id) if not o.label.startswith(("Эта", "Последние", "Учебный"))]
    for o in options:
        if o.date_from <= today <= o.date_to:
            return o
    started = [o for o in options if o.date_from <= today]
    if started:
        return max(started, key=lambda o: o.date_from)
    d1, d2 = default_range([school_id])
    return PeriodOption("Учебный год", d1, d2)


# --- scope ---------------------------------------------------------------------------------------
def deputy_limits(actor: Actor, school_id: int) -> tuple[frozenset[int], frozenset[int]] | None:
    """A deputy's parallels and subject areas in this school; None when nothing limits the actor."""
    if actor.is_system:
        return None
    broad = {"admin", "director", "monitoring"}
    grants = [g for g in actor.grants if g.school_id == school_id]
    if any(g.role in broad for g in grants):
        return None
    deputy = [g for g in grants if g.role == "deputy"]
    if not deputy or any(not g.grades and not g.subject_ids for g in deputy):
        return None
    grades = frozenset().union(*(g.grades for g in deputy))
    subjects = frozenset().union(*(g.subject_ids for g in deputy))
    return grades, subjects


def _class_grades(class_ids) -> dict[int, tuple[int, int]]:
    if not class_ids:
        return {}
    with reading() as tx:
        rows = tx.exec(select(SchoolClass.id, SchoolClass.grade, SchoolClass.school_id)
                       .where(SchoolClass.id.in_(list(class_ids)))).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def school_scope(actor: Actor, school_id: int, choice: Choice, action: str = "indicators.view") -> Scope:
    """The scope of a run in one school for this actor: checked by the policy, narrowed for a deputy."""
    grades, classes, subjects = tuple(choice.grades), tuple(choice.class_ids), tuple(choice.subject_ids)
    known = _class_grades(classes)
    for class_id in classes:
        if class_id not in known or known[class_id][1] != school_id:
            raise IndicatorError("Класс не найден в этой школе.")
    with reading() as tx:
        if tx.get(School, school_id) is None:
            raise IndicatorError("Школа не найдена.")
        base = school_target(tx, school_id, entity="indicators", entity_id=school_id)
    policy.require(actor, action, base)
    for grade in set(grades) | {known[c][0] for c in classes}:
        policy.require(actor, action, replace(base, grade=grade))
    for subject_id in subjects:
        policy.require(actor, action, replace(base, subject_id=subject_id))
    limits = deputy_limits(actor, school_id)
    if limits is not None:
        my_grades, my_subjects = limits
        if my_grades and not grades and not classes:
            grades = tuple(sorted(my_grades))
        if my_subjects and not subjects:
            subjects = tuple(sorted(my_subjects))
    return Scope(school_ids=(school_id,), date_from=choice.date_from, date_to=choice.date_to, grades=grades,
                 class_ids=classes, subject_ids=subjects, teacher_id=choice.teacher_id)


@dataclass(frozen=True)
class FilterOptions:
    grades: tuple[int, ...]
    classes: tuple[tuple[int, str, int], ...]      # id, name, grade
    subjects: tuple[tuple[int, str], ...]
    teachers: tuple[tuple[int, str], ...]          # Staff id, name


def filter_options(actor: Actor, school_id: int, on: date | None = None) -> FilterOptions:
    """What the screen offers to narrow the indicators: the classes of the school year of `on`
    (a deputy: of their parallels), subjects (a deputy of subject areas: theirs) and teachers."""
    from models import Staff, TeachingAssignment
    on = on or clock.today()
    with reading() as tx:
        policy.require(actor, "indicators.view", school_target(tx, school_id, entity="indicators"))
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id, AcademicYear.starts_on <= on)
                       .order_by(AcademicYear.starts_on.desc())).first()
        classes = tx.exec(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                    SchoolClass.year_id == (year.id if year else -1))
                          .order_by(SchoolClass.grade, SchoolClass.letter)).all()
        subjects = tx.exec(select(Subject).where(Subject.school_id == school_id).order_by(Subject.name)).all()
        teachers = tx.exec(select(Staff).where(Staff.school_id == school_id, Staff.id.in_(
            select(TeachingAssignment.teacher_id).where(TeachingAssignment.school_id == school_id)))
                           .order_by(Staff.last_name, Staff.first_name)).all()
    limits = deputy_limits(actor, school_id)
    my_grades, my_subjects = limits if limits else (frozenset(), frozenset())
    classes = [c for c in classes if not my_grades or c.grade in my_grades]
    subjects = [s for s in subjects if not my_subjects or s.id in my_subjects]
    return FilterOptions(tuple(sorted({c.grade for c in classes})), tuple((c.id, c.name, c.grade) for c in classes),
                         tuple((s.id, s.name) for s in subjects),
                         tuple((t.id, " ".join(p for p in (t.last_name, t.first_name, t.middle_name) if p))
                               for t in teachers))


def _limits_text(scope: Scope) -> str:
    parts = []
    if scope.grades:
        parts.append("параллели " + ", ".join(str(g) for g in scope.grades))
    if scope.subject_ids:
        with reading() as tx:
            names = tx.exec(select(Subject.name).where(Subject.id.in_(list(scope.subject_ids)))
                            .order_by(Subject.name)).all()
        parts.append("предметы: " + ", ".join(names))
    return "; ".join(parts)


def _row(entry, result: Result, overrides: Overrides, school_id: int | None) -> Row:
    green, yellow = overrides.limits(entry, school_id)
    return Row(entry.category if hasattr(entry, "category") else entry.group, entry.id, entry.name,
               entry.definition, entry.unit, entry.good, result.value, result.numerator, result.denominator,
               result.status, green, yellow)


# --- the dashboard -------------------------------------------------------------------------------
def dashboard(actor: Actor, school_id: int, choice: Choice) -> Dashboard:
    """All five categories of 4.6 and the deputy's control of 3.6, each value with its status."""
    scope = school_scope(actor, school_id, choice)
    overrides = load_overrides([school_id])
    info = ensure_snapshot()
    with runner.run(scope, overrides=overrides) as run:
        rows = tuple(_row(registry.get(r.id), r, overrides, school_id) for r in run.values())
        deputy = tuple(_row(registry.get(r.id), r, overrides, school_id)
                       for r in run.values(tuple(i.id for i in registry.DEPUTY)))
    return Dashboard(school_id, scope, info.label(), rows, deputy,
                     _limits_text(scope) if deputy_limits(actor, school_id) else "")


def drilldown(actor: Actor, school_id: int, choice: Choice, indicator_id: str
              ) -> tuple[list[str], list[tuple], dict]:
    """The pupils, lessons, teachers or classes behind one value (school level only), and the
    other parts of the value («extra»)."""
    if not registry.exists(indicator_id):
        raise IndicatorError(f"Нет показателя «{indicator_id}».")
    scope = school_scope(actor, school_id, choice, action="indicators.drilldown")
    ensure_snapshot()
    with runner.run(scope, overrides=load_overrides([school_id])) as run:
        columns, rows = run.drilldown(indicator_id)
        extra = run.extra(indicator_id)
    return columns, rows, extra


def by_class(actor: Actor, school_id: int, choice: Choice, indicator_id: str) -> list[Part]:
    scope = school_scope(actor, school_id, choice)
    ensure_snapshot()
    with runner.run(scope, overrides=load_overrides([school_id])) as run:
        return run.by_class(indicator_id)


def trend(actor: Actor, school_id: int, choice: Choice, indicator_id: str, weeks: int = 10
          ) -> list[tuple[date, float | None]]:
    """The weekly values of one indicator for the trend chart (weeks ending with the chosen dates)."""
    scope = school_scope(actor, school_id, choice)
    ensure_snapshot()
    with runner.run(scope, overrides=load_overrides([school_id])) as run:
        return run.weekly(indicator_id, weeks)


def findings(actor: Actor, school_id: int, choice: Choice, check_id: str) -> list[Finding]:
    return findings_of(actor, school_id, choice, (check_id,))[check_id]


def findings_of(actor: Actor, school_id: int, choice: Choice, check_ids) -> dict[str, list[Finding]]:
    """The findings of several control checks, in one run over the snapshot."""
    scope = school_scope(actor, school_id, choice, action="control.run")
    ensure_snapshot()
    with runner.run(scope, overrides=load_overrides([school_id])) as run:
        return {check_id: run.findings(check_id) for check_id in check_ids}


# --- the municipality ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MunicipalView:
    municipality_id: int
    name: str
    label: str
    schools: tuple[tuple[int, str], ...]
    total: tuple[Row, ...]                              # the municipality as a whole
    cells: dict = field(default_factory=dict)           # (indicator id, school id) → Part


def municipality_schools(municipality_id: int) -> list[tuple[int, str]]:
    with reading() as tx:
        return [(s.id, s.short_name or s.name) for s in tx.exec(
            select(School).where(School.municipality_id == municipality_id).order_by(School.id)).all()]


def _require_municipality(actor: Actor, municipality_id: int, action: str) -> str:
    with reading() as tx:
        muni = tx.get(Municipality, municipality_id)
    if muni is None:
        raise IndicatorError("Муниципалитет не найден.")
    policy.require(actor, action, Target(municipality_id=municipality_id, entity="municipality",
                                         entity_id=municipality_id))
    return muni.name


def municipality(actor: Actor, municipality_id: int, date_from: date, date_to: date,
                 ids: tuple[str, ...] | None = None) -> MunicipalView:
    """Every indicator for every school of the municipality side by side, and the total."""
    name = _require_municipality(actor, municipality_id, "aggregate.view")
    schools = municipality_schools(municipality_id)
    if not schools:
        raise IndicatorError("В муниципалитете нет школ.")
    school_ids = tuple(s for s, _ in schools)
    overrides = load_overrides(school_ids)
    info = ensure_snapshot()
    scope = Scope(school_ids=school_ids, date_from=date_from, date_to=date_to)
    cells: dict = {}
    total: list[Row] = []
    with runner.run(scope, overrides=overrides) as run:
        for id_ in ids or registry.INDICATOR_IDS:
            result, parts = run.summary(id_)
            for part in parts:
                cells[(id_, part.school_id)] = part
            total.append(_row(registry.get(id_), result, Overrides(), None))
    return MunicipalView(municipality_id, name, info.label(), tuple(schools), tuple(total), cells)


def municipality_classes(actor: Actor, municipality_id: int, school_id: int, date_from: date, date_to: date,
                         indicator_id: str) -> list[Part]:
    """The coordinator's drill-down: one school's value class by class (aggregates, no names)."""
    _require_municipality(actor, municipality_id, "aggregate.view")
    if school_id not in dict(municipality_schools(municipality_id)):
        raise policy.refusal(actor, "aggregate.view", Target(school_id=school_id, municipality_id=municipality_id,
                                                             entity="school", entity_id=school_id),
                             "Эта школа не относится к вашему муниципалитету.")
    ensure_snapshot()
    scope = Scope(school_ids=(school_id,), date_from=date_from, date_to=date_to)
    with runner.run(scope, overrides=load_overrides([school_id])) as run:
        return run.by_class(indicator_id)


def ranking(view: MunicipalView, indicator_id: str) -> list[tuple[int, str, Part]]:
    """Schools ranked by one indicator, best first (empty values last); ties share a place."""
    entry = registry.get(indicator_id)
    names = dict(view.schools)
    parts = [view.cells[(indicator_id, s)] for s, _ in view.schools]
    with_value = [p for p in parts if p.value is not None]
    with_value.sort(key=lambda p: p.value, reverse=(entry.good == "up"))
    out, place, previous = [], 0, object()
    for n, part in enumerate(with_value, start=1):
        if part.value != previous:
            place, previous = n, part.value
        out.append((place, names[part.school_id], part))
    out.extend((0, names[p.school_id], p) for p in parts if p.value is None)
    return out


# --- the command line ---------------------------------------------------------------------------
def cli_values(school_ids, date_from: date, date_to: date, *, refresh: bool = True) -> list[dict]:
    """What `manage.py checks --json` prints: one entry per indicator id of INDICATORS.md."""
    if refresh:
        snapshot.refresh()
    elif not snapshot.exists():
        snapshot.refresh()
    scope = Scope(school_ids=tuple(school_ids), date_from=date_from, date_to=date_to)
    with runner.run(scope, overrides=load_overrides(school_ids)) as run:
        return [r.as_json() for r in run.values()]


def cli_checks(school_ids, date_from: date, date_to: date, *, refresh: bool = True) -> list[dict]:
    """The control plan and end-of-period checks with their findings (for `manage.py checks --plan`)."""
    if refresh or not snapshot.exists():
        snapshot.refresh()
    scope = Scope(school_ids=tuple(school_ids), date_from=date_from, date_to=date_to)
    out = []
    with runner.run(scope, overrides=load_overrides(school_ids)) as run:
        for check in registry.CHECKS:
            found = run.findings(check.id)
            result = run.value(check.id)
            out.append({**result.as_json(), "group": check.group, "findings": [
                {"school_id": f.school_id, "class": f.class_name, "subject": f.subject, "teacher": f.teacher,
                 "lesson_date": f.lesson_date.isoformat() if f.lesson_date else None, "what": f.what,
                 "since": f.since.isoformat(sep=" ") if f.since else None} for f in found]})
    return out


def snapshot_path() -> str:
    return config.get("PORTAL_ANALYTICS_PATH")


def cli_school_ids(school_id: int | None, municipality_id: int | None) -> list[int]:
    """The schools of `--school ID` or `--municipality ID` (the command line acts as the system)."""
    with reading() as tx:
        if school_id is not None:
            if tx.get(School, school_id) is None:
                raise IndicatorError(f"Школа {school_id} не найдена.")
            return [school_id]
        if tx.get(Municipality, municipality_id) is None:
            raise IndicatorError(f"Муниципалитет {municipality_id} не найден.")
    ids = [s for s, _ in municipality_schools(municipality_id)]
    if not ids:
        raise IndicatorError(f"В муниципалитете {municipality_id} нет школ.")
    return ids


def cli_range(school_ids, year: str | None, date_from: str | None, date_to: str | None) -> tuple[date, date]:
    """--year YEAR, or --from D --to D (ISO or ДД.ММ.ГГГГ), else the latest school year with lessons."""
    if (date_from is None) != (date_to is None):
        raise IndicatorError("Укажите обе даты: --from и --to.")
    if year is not None and date_from is not None:
        raise IndicatorError("Укажите либо --year, либо --from и --to.")
    if year is not None:
        try:
            return year_range(clock.parse_school_year(year))
        except ValueError as e:
            raise IndicatorError(f"Учебный год «{year}» не понят: {e}") from None
    if date_from is not None:
        d1, d2 = _parse_day(date_from, "--from"), _parse_day(date_to, "--to")
        if d1 > d2:
            raise IndicatorError("Дата --from позже даты --to.")
        return d1, d2
    return default_range(school_ids)


def _parse_day(text: str, what: str) -> date:
    from datetime import datetime
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise IndicatorError(f"{what}: дата «{text}» не понята (нужно ГГГГ-ММ-ДД или ДД.ММ.ГГГГ).")
