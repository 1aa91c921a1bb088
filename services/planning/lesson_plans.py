"""Lesson plans — КТП (R-PLAN-5; regulation 1.9, 4.4): the planned topics of a subject for a class
or a whole parallel, entered or imported from Excel by the teacher.

Topics are proposed to the lessons in order (Lesson.planned_topic_id: a topic of N hours takes
N lessons; cancelled and missed lessons take none), and `progress` says where the class is
against the plan: behind or ahead, by how many lessons. A class's own plan wins over its
parallel's.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import or_, update
from sqlmodel import Session, select

from importers import excel
from importers.excel import ImportFileError, Problem
from importers.lesson_plan import LESSON_PLAN, WORK_KINDS
from models import AcademicYear, Lesson, LessonPlan, PlannedTopic, SchoolClass, Staff, Subject
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.policy import Target
from services.core.schools import school_target
from services.planning.years import year_for
from services.rules.names import short_name


class PlanError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class TopicRow:
    number: int
    topic: str
    hours: float = 1.0
    work_kind: str = ""
    planned_on: date | None = None


@dataclass(frozen=True)
class PlanInfo:
    id: int
    year_id: int
    subject_id: int
    subject_name: str
    class_id: int | None
    grade: int | None
    teacher_id: int | None
    teacher_name: str
    name: str
    topics: int
    hours: float
    class_name: str = ""

    @property
    def target(self) -> str:
        return f"класс {self.class_name}" if self.class_id else f"параллель {self.grade} классов"


@dataclass
class PlanDetail:
    info: PlanInfo
    topics: list[TopicRow]
    classes: list[tuple[int, str]]     # the classes this plan serves
    editable: bool


def _lessons_of_topic(hours: float) -> int:
    return max(1, int(round(hours)))


# ------------------------------------------------------------------ targets and loading
def _classes_of(tx: Session, plan: LessonPlan) -> list[SchoolClass]:
    """The classes a plan serves: its class, or the classes of its parallel without a plan of their own."""
    if plan.class_id is not None:
        return [tx.get(SchoolClass, plan.class_id)]
    own = set(tx.exec(select(LessonPlan.class_id).where(
        LessonPlan.school_id == plan.school_id, LessonPlan.year_id == plan.year_id,
        LessonPlan.subject_id == plan.subject_id, LessonPlan.class_id.is_not(None))).all())
    return [c for c in tx.exec(select(SchoolClass).where(
        SchoolClass.school_id == plan.school_id, SchoolClass.year_id == plan.year_id,
        SchoolClass.grade == plan.grade).order_by(SchoolClass.letter)).all() if c.id not in own]


def _require_edit(tx: Session, actor: Actor, school_id: int, year_id: int, subject_id: int,
                  class_id: int | None, grade: int | None) -> None:
    """A class plan: «ведение КТП» for that class and subject; a parallel's plan: for any class of
    the parallel (the teacher teaches the subject there) — else refused for the first one."""
    if class_id is not None:
        policy.require(actor, "lesson_plan.edit", targets.for_class(tx, class_id, subject_id))
        return
    classes = tx.exec(select(SchoolClass.id).where(SchoolClass.school_id == school_id,
                                                   SchoolClass.year_id == year_id, SchoolClass.grade == grade)
                      .order_by(SchoolClass.letter)).all()
    for cid in classes:
        if policy.allowed(actor, "lesson_plan.edit", targets.for_class(tx, cid, subject_id)):
            return
    if classes:
        policy.require(actor, "lesson_plan.edit", targets.for_class(tx, classes[0], subject_id))
    base = school_target(tx, school_id)
    policy.require(actor, "lesson_plan.edit", Target(school_id=school_id, municipality_id=base.municipality_id,
                                                     grade=grade, subject_id=subject_id, entity="lesson_plan"))


def _info(tx: Session, plan: LessonPlan) -> PlanInfo:
    subject = tx.get(Subject, plan.subject_id)
    teacher = tx.get(Staff, plan.teacher_id) if plan.teacher_id else None
    topics = tx.exec(select(PlannedTopic.hours).where(PlannedTopic.plan_id == plan.id)).all()
    return PlanInfo(plan.id, plan.year_id, plan.subject_id, subject.name, plan.class_id, plan.grade, plan.teacher_id,
                    short_name(teacher.last_name, teacher.first_name, teacher.middle_name) if teacher else "",
                    plan.name, len(topics), float(sum(topics)),
                    tx.get(SchoolClass, plan.class_id).name if plan.class_id else "")


PLANNING_ROLES = ("admin", "deputy")  # see every plan of the school and plan for any class


def plans_everything(actor: Actor) -> bool:
    """Administrators and deputies work with all the school's plans; a teacher with their own."""
    return any(g.role in PLANNING_ROLES for g in actor.grants)


def new_plan_choices(actor: Actor, subjects: dict[int, str], classes: dict[int, str]
                     ) -> tuple[dict[int, str], dict[int, str]]:
    """The subjects and classes the actor may make a new plan for, out of the school's: a teacher
    only those they teach."""
    taught = {s for _, s in actor.teaches}
    if taught and not plans_everything(actor):
        subjects = {k: v for k, v in subjects.items() if k in taught}
        classes = {k: v for k, v in classes.items() if any(c == k for c, _ in actor.teaches)}
    return subjects, classes


def plans(actor: Actor, school_id: int, *, year_id: int | None = None, mine: bool = False) -> list[PlanInfo]:
    """The school's plans of the year (with mine: those of the classes and subjects the actor teaches)."""
    with reading() as tx:
        policy.require(actor, "timetable.view", school_target(tx, school_id))
        year = year_for(tx, school_id, year_id)
        rows = tx.exec(select(LessonPlan).where(LessonPlan.school_id == school_id, LessonPlan.year_id == year.id)
                       .order_by(LessonPlan.grade, LessonPlan.name)).all()
        out = []
        grades = {c.id: c.grade for c in tx.exec(select(SchoolClass).where(SchoolClass.year_id == year.id)).all()}
        taught_grades = {(grades[c], s) for c, s in actor.teaches if c in grades}
        for plan in rows:
            if mine and not ((plan.class_id, plan.subject_id) in actor.teaches
                             or (plan.class_id is None and (plan.grade, plan.subject_id) in taught_grades)
                             or plan.teacher_id in actor.staff_ids):
                continue
            out.append(_info(tx, plan))
        return sorted(out, key=lambda p: (p.subject_name, p.grade or 0, p.name))


def load(actor: Actor, plan_id: int) -> PlanDetail:
    with reading() as tx:
        plan = tx.get(LessonPlan, plan_id)
        if plan is None:
            raise PlanError("КТП не найден.")
        policy.require(actor, "timetable.view", school_target(tx, plan.school_id))
        topics = [TopicRow(t.number, t.topic, t.hours, t.work_kind, t.planned_on) for t in tx.exec(
            select(PlannedTopic).where(PlannedTopic.plan_id == plan_id).order_by(PlannedTopic.number)).all()]
        try:
            _require_edit(tx, actor, plan.school_id, plan.year_id, plan.subject_id, plan.class_id, plan.grade)
            editable = not tx.get(AcademicYear, plan.year_id).is_closed
        except policy.AccessDenied:
            editable = False
        return PlanDetail(_info(tx, plan), topics, [(c.id, c.name) for c in _classes_of(tx, plan)], editable)


# ------------------------------------------------------------------ creating and editing
def create_plan(actor: Actor, school_id: int, subject_id: int, *, class_id: int | None = None,
                grade: int | None = None, year_id: int | None = None, name: str = "") -> int:
    """A new (empty) plan of a subject for one class or for a whole parallel."""
    if (class_id is None) == (grade is None):
        raise PlanError("КТП составляется для класса или для параллели: укажите что-то одно.")
    with transaction() as tx:
        if class_id is not None:
            cls = tx.get(SchoolClass, class_id)
            if cls is None or cls.school_id != school_id:
                raise PlanError("Класс не найден в этой школе.")
            year_id = cls.year_id
        year = year_for(tx, school_id, year_id)
        subject = tx.get(Subject, subject_id)
        if subject is None or subject.school_id != school_id:
            raise PlanError("Предмет не найден в этой школе.")
        _require_edit(tx, actor, school_id, year.id, subject_id, class_id, grade)
        conds = [LessonPlan.school_id == school_id, LessonPlan.year_id == year.id, LessonPlan.subject_id == subject_id]
        if class_id is not None:
            conds.append(LessonPlan.class_id == class_id)
        else:
            conds += [LessonPlan.class_id.is_(None), LessonPlan.grade == grade]
        exists = tx.exec(select(LessonPlan.id).where(*conds)).first()
        if exists is not None:
            raise PlanError("Такой КТП уже есть: откройте его и измените.")
        target = tx.get(SchoolClass, class_id).name if class_id else f"{grade} классы"
        teacher = next(iter(sorted(actor.staff_ids)), None) if actor.staff_ids else None
        plan = LessonPlan(school_id=school_id, year_id=year.id, subject_id=subject_id, class_id=class_id,
                          grade=grade if class_id is None else tx.get(SchoolClass, class_id).grade,
                          teacher_id=teacher, name=(name.strip() or f"{subject.name}, {target}")[:200])
        tx.add(plan)
        tx.flush()
        audit.record(tx, actor, "lesson_plan.created", school_id=school_id, entity="lesson_plan", entity_id=plan.id,
                     new={"subject": subject.name, "for": target})
        return plan.id


def _check_topics(topics: list[TopicRow], year: AcademicYear) -> list[str]:
    problems = []
    numbers = set()
    for i, t in enumerate(topics, start=1):
        where = f"Урок {t.number}" if t.number else f"Строка {i}"
        if t.number in numbers:
            problems.append(f"{where}: номер урока повторяется.")
        numbers.add(t.number)
        if not 1 <= int(t.number) <= 1000:
            problems.append(f"Строка {i}: номер урока — от 1 до 1000.")
        if not t.topic.strip():
            problems.append(f"{where}: не указана тема.")
        if len(t.topic) > 500:
            problems.append(f"{where}: тема длиннее 500 символов.")
        if not 0.5 <= float(t.hours) <= 10:
            problems.append(f"{where}: часов — от 0,5 до 10.")
        if t.work_kind and t.work_kind not in WORK_KINDS:
            problems.append(f"{where}: вид работы — практическая, лабораторная, контрольная, экскурсия или пусто.")
        if t.planned_on is not None and not year.starts_on <= t.planned_on <= year.ends_on:
            problems.append(f"{where}: дата по плану {t.planned_on:%d.%m.%Y} вне учебного года "
                            f"{year.start_year}/{year.start_year + 1}.")
    return problems


def save_topics(actor: Actor, plan_id: int, topics: list[TopicRow]) -> dict:
    """Make the plan's topics exactly `topics` (matched by lesson number), then propose them to
    the lessons anew. Returns counts {added, changed, removed, proposed}."""
    with transaction() as tx:
        plan = _editable_plan(tx, actor, plan_id)
        year = tx.get(AcademicYear, plan.year_id)
        problems = _check_topics(topics, year)
        if problems:
            raise PlanError("\n".join(problems))
        return _replace_topics(tx, actor, plan, topics)


def _editable_plan(tx: Session, actor: Actor, plan_id: int) -> LessonPlan:
    plan = tx.get(LessonPlan, plan_id)
    if plan is None:
        raise PlanError("КТП не найден.")
    _require_edit(tx, actor, plan.school_id, plan.year_id, plan.subject_id, plan.class_id, plan.grade)
    year = tx.get(AcademicYear, plan.year_id)
    if year.is_closed:
        raise PlanError(f"{year.start_year}/{year.start_year + 1} учебный год закрыт: КТП не меняется.")
    return plan


def _replace_topics(tx: Session, actor: Actor, plan: LessonPlan, topics: list[TopicRow]) -> dict:
    old = {t.number: t for t in tx.exec(select(PlannedTopic).where(PlannedTopic.plan_id == plan.id)).all()}
    new = {t.number: t for t in topics}
    counts = {"added": 0, "changed": 0, "removed": 0, "proposed": 0}
    gone = [t.id for n, t in old.items() if n not in new]
    if gone:
        tx.exec(update(Lesson).where(Lesson.planned_topic_id.in_(gone)).values(planned_topic_id=None)
                .execution_options(synchronize_session=False))
        for n, t in old.items():
            if n not in new:
                tx.delete(t)
        counts["removed"] = len(gone)
    for n, t in sorted(new.items()):
        values = {"topic": t.topic.strip(), "hours": float(t.hours), "work_kind": t.work_kind or "",
                  "planned_on": t.planned_on}
        row = old.get(n)
        if row is None:
            tx.add(PlannedTopic(school_id=plan.school_id, plan_id=plan.id, number=n, **values))
            counts["added"] += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            tx.add(row)
            counts["changed"] += 1
    if counts["added"] or counts["changed"] or counts["removed"]:
        tx.flush()
        audit.record(tx, actor, "lesson_plan.changed", school_id=plan.school_id, entity="lesson_plan",
                     entity_id=plan.id, new={k: v for k, v in counts.items() if k != "proposed"}, detail=plan.name)
        counts["proposed"] = propose_in(tx, plan)
    return counts


# ------------------------------------------------------------------ import from Excel
@dataclass
class PlanImportResult:
    rows: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    proposed: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False

    def as_json(self) -> dict:
        return {"rows": self.rows, "added": self.added, "changed": self.changed, "removed": self.removed,
                "proposed": self.proposed, "committed": self.committed,
                "errors": [p.as_dict() for p in self.errors], "warnings": [p.as_dict() for p in self.warnings]}


class _Stop(Exception):
    pass


def template() -> bytes:
    return excel.template(LESSON_PLAN)


def import_topics(actor: Actor, plan_id: int, source: bytes | str | Path, filename: str = "", *,
                  dry_run: bool = False, only_valid: bool = False) -> PlanImportResult:
    """Replace the plan's topics by the workbook's rows, each row checked first (row, column and
    reason of every problem). All or nothing, unless only_valid asks for the good rows."""
    with reading() as tx:  # permission first: no file is read for someone who may not edit the plan
        _editable_plan(tx, actor, plan_id)
    result = PlanImportResult(dry_run=dry_run)
    try:
        table = excel.read_table(source, filename)
    except ImportFileError as e:
        result.errors.append(Problem(0, "", "", str(e)))
        return result
    parsed = excel.parse(LESSON_PLAN, table)
    result.rows = len(parsed.rows)
    if parsed.file_problems:
        result.errors = parsed.file_problems
        return result
    try:
        with transaction() as tx:
            plan = _editable_plan(tx, actor, plan_id)
            year = tx.get(AcademicYear, plan.year_id)
            previous = None
            for row in parsed.rows:
                day = row.get("planned_on")
                if day is not None and not year.starts_on <= day <= year.ends_on:
                    row.add("planned_on", f"дата вне учебного года {year.start_year}/{year.start_year + 1}")
                if row.ok and previous is not None and row.get("number") != previous + 1:
                    row.add("number", f"номера идут не подряд: после {previous} идёт {row.get('number')}", "warning")
                if row.get("number") is not None:
                    previous = row.get("number")
            if not parsed.rows:
                parsed.file_problems.append(Problem(0, "", "", "В файле нет ни одной строки с темой."))
            result.errors, result.warnings = parsed.errors, parsed.warnings
            if result.errors and not only_valid:
                raise _Stop
            topics = [TopicRow(r.get("number"), r.get("topic"), r.get("hours", 1.0), r.get("work_kind", ""),
                               r.get("planned_on")) for r in parsed.valid_rows]
            if not topics:
                raise _Stop
            counts = _replace_topics(tx, actor, plan, topics)
            result.added, result.changed = counts["added"], counts["changed"]
            result.removed, result.proposed = counts["removed"], counts["proposed"]
            if dry_run:
                raise _Stop
            if any(counts.values()):
                audit.record(tx, actor, "lesson_plan.imported", school_id=plan.school_id, entity="lesson_plan",
                             entity_id=plan.id, new={"file": Path(filename).name if filename else "",
                                                     "rows": result.rows, **counts})
    except _Stop:
        return result
    result.committed = True
    return result


# ------------------------------------------------------------------ proposing topics to lessons
def propose(actor: Actor, plan_id: int) -> int:
    with transaction() as tx:
        plan = _editable_plan(tx, actor, plan_id)
        return propose_in(tx, plan)


def propose_in(tx: Session, plan: LessonPlan) -> int:
    """Give the lessons of the plan's classes their planned topics anew; returns how many changed."""
    return propose_for_classes(tx, plan.school_id, plan.year_id, [c.id for c in _classes_of(tx, plan)],
                               [plan.subject_id])


def propose_for_classes(tx: Session, school_id: int, year_id: int, class_ids: list[int],
                        subject_ids: list[int] | None = None) -> int:
    """Give the lessons of the classes their planned topics in order, by the КТП of each class and
    subject (the class's own, else its parallel's); each subgroup of a split subject goes through
    the plan on its own; cancelled and missed lessons take none. Subjects without a plan are left
    as they are. A few queries whatever the number of classes; returns how many lessons changed."""
    if not class_ids:
        return 0
    grades = dict(tx.exec(select(SchoolClass.id, SchoolClass.grade).where(SchoolClass.id.in_(class_ids))).all())
    stmt = select(LessonPlan).where(LessonPlan.school_id == school_id, LessonPlan.year_id == year_id)
    if subject_ids is not None:
        stmt = stmt.where(LessonPlan.subject_id.in_(subject_ids))
    own, parallel = {}, {}
    for plan in tx.exec(stmt).all():
        if plan.class_id is not None:
            own[(plan.class_id, plan.subject_id)] = plan.id
        else:
            parallel[(plan.grade, plan.subject_id)] = plan.id
    if not own and not parallel:
        return 0
    sequences: dict[int, list[int]] = defaultdict(list)
    for plan_id, topic_id, hours in tx.exec(
            select(PlannedTopic.plan_id, PlannedTopic.id, PlannedTopic.hours)
            .where(PlannedTopic.plan_id.in_(list(own.values()) + list(parallel.values())))
            .order_by(PlannedTopic.plan_id, PlannedTopic.number)).all():
        sequences[plan_id].extend([topic_id] * _lessons_of_topic(hours))
    lstmt = select(Lesson.id, Lesson.class_id, Lesson.subject_id, Lesson.subgroup_id, Lesson.status,
                   Lesson.planned_topic_id).where(Lesson.school_id == school_id, Lesson.class_id.in_(class_ids))
    if subject_ids is not None:
        lstmt = lstmt.where(Lesson.subject_id.in_(subject_ids))
    position: dict = defaultdict(int)
    changed = []
    for lid, class_id, subject_id, subgroup_id, status, current in tx.exec(
            lstmt.order_by(Lesson.lesson_date, Lesson.lesson_number, Lesson.id)).all():
        plan_id = own.get((class_id, subject_id)) or parallel.get((grades.get(class_id), subject_id))
        if plan_id is None:
            continue
        want = None
        if status == "scheduled":
            key = (class_id, subject_id, subgroup_id)
            i = position[key]
            position[key] += 1
            sequence = sequences.get(plan_id, [])
            want = sequence[i] if i < len(sequence) else None
        if want != current:
            changed.append({"_id": lid, "_t": want})
    if changed:
        from sqlalchemy import bindparam
        table = Lesson.__table__
        tx.connection().execute(table.update().where(table.c.id == bindparam("_id"))
                                .values(planned_topic_id=bindparam("_t")), changed)
    return len(changed)


# ------------------------------------------------------------------ where the class is
@dataclass(frozen=True)
class Progress:
    plan_id: int | None
    plan_lessons: int          # lessons the plan needs (a topic of N hours: N lessons)
    given: int                 # lessons up to the day, not cancelled nor missed
    expected: int              # where the plan says the class should be by the day
    year_lessons: int          # lessons of the year left in the timetable (given + to come)
    next_topic: str
    by_dates: bool             # expected counted by the plan's dates (else by the timetable)

    @property
    def difference(self) -> int:
        return self.given - self.expected

    @property
    def text(self) -> str:
        if self.plan_id is None:
            return "КТП не составлен."
        d = self.difference
        head = ("идёт по плану" if d == 0 else
                f"отстаёт от плана на {_lessons(-d)}" if d < 0 else f"опережает план на {_lessons(d)}")
        tail = ""
        if self.year_lessons < self.plan_lessons:
            tail = f" До конца года уроков меньше, чем в КТП: не хватает {_lessons(self.plan_lessons - self.year_lessons)}."
        return f"Класс {head} (проведено {self.given}, по плану {self.expected}).{tail}"


def _lessons(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        word = "урок"
    elif n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        word = "урока"
    else:
        word = "уроков"
    return f"{n} {word}"


def plan_for(tx: Session, class_id: int, subject_id: int) -> LessonPlan | None:
    cls = tx.get(SchoolClass, class_id)
    return tx.exec(select(LessonPlan).where(
        LessonPlan.school_id == cls.school_id, LessonPlan.year_id == cls.year_id, LessonPlan.subject_id == subject_id,
        or_(LessonPlan.class_id == class_id, (LessonPlan.class_id.is_(None)) & (LessonPlan.grade == cls.grade)))
        .order_by(LessonPlan.class_id.is_(None))).first()


def progress(actor: Actor, class_id: int, subject_id: int, *, subgroup_id: int | None = None,
             on: date | None = None) -> Progress:
    """Where the class (or a subgroup) is against its КТП on the day (default today)."""
    on = on or clock.today()
    with reading() as tx:
        policy.require(actor, "timetable.view", targets.for_class(tx, class_id, subject_id))
        plan = plan_for(tx, class_id, subject_id)
        if plan is None:
            return Progress(None, 0, 0, 0, 0, "", False)
        topics = tx.exec(select(PlannedTopic).where(PlannedTopic.plan_id == plan.id)
                         .order_by(PlannedTopic.number)).all()
        sequence = [t for t in topics for _ in range(_lessons_of_topic(t.hours))]
        stmt = select(Lesson.lesson_date, Lesson.status).where(
            Lesson.class_id == class_id, Lesson.subject_id == subject_id,
            Lesson.subgroup_id == subgroup_id if subgroup_id else Lesson.subgroup_id.is_(None))
        lessons = tx.exec(stmt).all()
        if subgroup_id is None and not lessons:  # a split subject asked as a whole: its first group
            first = tx.exec(select(Lesson.subgroup_id).where(
                Lesson.class_id == class_id, Lesson.subject_id == subject_id, Lesson.subgroup_id.is_not(None))
                .order_by(Lesson.subgroup_id)).first()
            if first is not None:
                lessons = tx.exec(select(Lesson.lesson_date, Lesson.status).where(
                    Lesson.class_id == class_id, Lesson.subject_id == subject_id,
                    Lesson.subgroup_id == first)).all()
    given = sum(1 for d, s in lessons if d <= on and s == "scheduled")
    by_dates = bool(sequence) and all(t.planned_on is not None for t in sequence)
    if by_dates:
        expected = sum(1 for t in sequence if t.planned_on <= on)
    else:
        expected = min(len(sequence), sum(1 for d, _ in lessons if d <= on))
    year_lessons = sum(1 for _, s in lessons if s == "scheduled")
    next_topic = sequence[given].topic if given < len(sequence) else ""
    return Progress(plan.id, len(sequence), given, expected, year_lessons, next_topic, by_dates)
