"""Сводная ведомость учёта результатов промежуточной и итоговой аттестации (1.4, R-REP-1):
a class by subjects with the period marks of one study period, or the annual, exam or final
marks of the year; counts of 5/4/3/2/н/а, quality and success per subject and per class;
for one class, a parallel or the whole school. Computed live from PeriodMark.

Who appears where: every pupil enrolled in the class on some day of the period (of the year,
for annual, exam and final marks). A mark is shown in the class it was given in
(PeriodMark.class_id; a mark without a class goes to the class the pupil was in at the end).
Only the pupils who are in the class on the reference date (the period's last day, or today
while the period runs) are counted in the shares; a pupil who left or moved is listed with
«в классе до …» and not counted, a pupil who arrived with «в классе с …». Subjects «Без
аттестации» have no period marks: they are named under the table, not given a column.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import select

from models import CurriculumItem, PeriodMark, RoleGrant, Student, Subject, User
from models.db import reading
from services.core import clock, policy, targets
from services.core.actor import Actor
from services.reports.common import (
    ReportError, SchoolHead, all_stays_of, class_names, class_sort_key, full_name, periods_of, school_head, stays,
    withheld_pupils, year_of, year_title,
)
from services.core.schools import school_target
from services.reports.stats import MarkCounts, Standing, count_marks, pupil_category, standing

ACTION = "report.attestation"
KIND_TITLES = {"annual": "Годовые отметки", "exam": "Экзаменационные отметки", "final": "Итоговые отметки"}


@dataclass(frozen=True)
class AttRow:
    student_id: int
    name: str
    note: str                  # «в классе с 17.11.2026 (из 5Б)», «в классе до 12.11.2026 (в 5Б)»
    counted: bool              # in the class on the reference date
    marks: dict[int, str]      # subject id → mark
    counts: MarkCounts
    category: str


@dataclass
class ClassSheet:
    class_id: int
    name: str
    grade: int
    class_teacher: str
    subjects: list[tuple[int, str]]
    no_attestation: list[str]
    rows: list[AttRow]
    by_subject: dict[int, MarkCounts]
    marks: MarkCounts          # all marks of the counted pupils
    standing: Standing

    @property
    def counted_rows(self) -> list[AttRow]:
        return [r for r in self.rows if r.counted]


@dataclass
class AttestationSummary:
    school: SchoolHead
    start_year: int
    column: str                # "period:ID" | "annual" | "exam" | "final"
    column_title: str          # «2 четверть», «Годовые отметки»
    scope_title: str           # «5А», «5 классы», «вся школа»
    start: date
    end: date
    as_of: date
    made_at: datetime
    classes: list[ClassSheet]
    third_party: bool = False
    withheld: int = 0
    marks: MarkCounts = field(default_factory=MarkCounts)
    standing: Standing = field(default_factory=Standing)
    exams: list["ExamLine"] = field(default_factory=list)   # ВПР, ОГЭ, ЕГЭ of the year (2.2)

    @property
    def title(self) -> str:
        return "Сводная ведомость учёта результатов промежуточной и итоговой аттестации"

    @property
    def pupils(self) -> int:
        return len({r.student_id for c in self.classes for r in c.rows})


@dataclass(frozen=True)
class ExamLine:
    """One result of ВПР, ОГЭ or ЕГЭ of a pupil of the summary, beside the year mark it is compared with."""
    class_id: int
    class_name: str
    student_id: int
    name: str
    kind: str                  # ВПР | ОГЭ | ЕГЭ
    subject: str
    held_on: date
    primary_score: int
    test_score: int | None
    mark: int | None
    year_mark: int | None
    difference: int | None     # mark − year mark


@dataclass(frozen=True)
class Choice:
    key: str
    title: str


def choices(actor: Actor, school_id: int, start_year: int | None = None) -> tuple[int, list[Choice]]:
    """(the year, what the summary can show: each study period, then annual, exam, final)."""
    with reading() as tx:
        policy.require(actor, ACTION, _any_target(tx, actor, school_id))
        year = year_of(tx, school_id, start_year=start_year)
        out = [Choice(f"period:{p.id}", p.name) for p in periods_of(tx, school_id, year.id)]
    out += [Choice(k, t) for k, t in KIND_TITLES.items()]
    return year.start_year, out


def default_column(actor: Actor, school_id: int, start_year: int | None = None) -> str:
    """The period that has ended last (or is running), else the first."""
    with reading() as tx:
        year = year_of(tx, school_id, start_year=start_year)
        periods = periods_of(tx, school_id, year.id)
    today = clock.today()
    started = [p for p in periods if p.starts_on <= today]
    if not periods:
        return "annual"
    if started and today > periods[-1].ends_on:
        return "annual"
    return f"period:{(started[-1] if started else periods[0]).id}"


def _any_target(tx, actor: Actor, school_id: int):
    """The school as a target; a class teacher or teacher passes with one of their classes."""
    target = school_target(tx, school_id)
    if policy.allowed(actor, ACTION, target):
        return target
    for g in actor.grants:
        if g.role == "class_teacher" and g.school_id == school_id and g.class_id:
            return targets.for_class(tx, g.class_id)
    for class_id, _ in sorted(actor.teaches):
        t = targets.for_class(tx, class_id)
        if t.school_id == school_id:
            return t
    return target


def summary(actor: Actor, school_id: int, *, column: str, start_year: int | None = None,
            class_id: int | None = None, grade: int | None = None, third_party: bool = False) -> AttestationSummary:
    """The summary of one class (class_id), one parallel (grade) or the whole school."""
    with reading() as tx:
        head = school_head(tx, school_id)
        if class_id is not None:
            target = targets.for_class(tx, class_id)
            if target.school_id != school_id:
                raise ReportError("Класс не найден в этой школе.")
            policy.require(actor, ACTION, target)
        else:
            policy.require(actor, ACTION, school_target(tx, school_id, grade=grade))
        year = year_of(tx, school_id, start_year=start_year)
        periods = periods_of(tx, school_id, year.id)
        kind, period = _column(column, periods)
        if period is not None:
            start, end = period.starts_on, period.ends_on
        elif periods:
            start, end = periods[0].starts_on, periods[-1].ends_on
        else:
            start, end = year.starts_on, year.ends_on
        today = clock.today(head.timezone)
        as_of = max(start, min(end, today))
        classes = class_names(tx, school_id, year.id)
        if class_id is not None:
            if class_id not in classes:
                raise ReportError(f"Класс не относится к учебному году {year_title(year.start_year)}.")
            chosen = [classes[class_id]]
            scope_title = f"{classes[class_id].name} класс"
        else:
            chosen = [c for c in classes.values() if grade is None or c.grade == grade]
            # a deputy of some parallels sees only theirs, even in the whole-school run
            chosen = [c for c in chosen if policy.allowed(actor, ACTION, targets.for_class(tx, c.id))]
            if grade is not None and not chosen:
                raise ReportError(f"В учебном году {year_title(year.start_year)} нет {grade} классов.")
            scope_title = f"{grade} классы" if grade is not None else "вся школа"
        chosen.sort(key=class_sort_key)
        ids = [c.id for c in chosen]
        in_range = stays(tx, school_id, start, end, class_ids=ids) if ids else []
        pupil_ids = sorted({s.student_id for s in in_range})
        withheld = withheld_pupils(tx, school_id, pupil_ids, as_of) if third_party else set()
        pupil_ids = [p for p in pupil_ids if p not in withheld]
        in_range = [s for s in in_range if s.student_id not in withheld]
        history = all_stays_of(tx, school_id, pupil_ids)
        names = {sid: full_name(last, first, middle) for sid, last, first, middle in tx.exec(
            select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
            .where(Student.id.in_(pupil_ids))).all()} if pupil_ids else {}
        curriculum = tx.exec(select(CurriculumItem.class_id, CurriculumItem.subject_id, CurriculumItem.no_attestation,
                                    Subject.name).join(Subject, Subject.id == CurriculumItem.subject_id)
                             .where(CurriculumItem.school_id == school_id, CurriculumItem.class_id.in_(ids))
                             .order_by(CurriculumItem.subject_id)).all() if ids else []
        mark_stmt = select(PeriodMark.student_id, PeriodMark.subject_id, PeriodMark.class_id, PeriodMark.value).where(
            PeriodMark.school_id == school_id, PeriodMark.year_id == year.id, PeriodMark.kind == kind)
        if period is not None:
            mark_stmt = mark_stmt.where(PeriodMark.period_id == period.id)
        marks = tx.exec(mark_stmt).all()
        subject_names = dict(tx.exec(select(Subject.id, Subject.name).where(Subject.school_id == school_id)).all())
        teachers = _class_teachers(tx, ids)
        exam_rows = _exam_rows(tx, school_id, year.id, ids, set(pupil_ids))

    wanted = set(pupil_ids)
    by_class_pupil: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    for sid, subj, cls, value in marks:
        if sid not in wanted or not value:
            continue
        if cls is None:
            cls = _class_on(history.get(sid, []), end)
        by_class_pupil[(cls, sid)][subj] = value
    plan: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
    for cls, subj, no_att, name in curriculum:
        plan[cls].append((subj, name, bool(no_att)))

    sheets = []
    for cls in chosen:
        sheets.append(_sheet(cls, plan.get(cls.id, []), [s for s in in_range if s.class_id == cls.id], history,
                             names, by_class_pupil, subject_names, classes, start, as_of,
                             teachers.get(cls.id, "")))
    out = AttestationSummary(
        school=head, start_year=year.start_year, column=column,
        column_title=period.name if period else KIND_TITLES[kind], scope_title=scope_title,
        start=start, end=end, as_of=as_of, made_at=clock.now(), classes=sheets, third_party=third_party,
        withheld=len(withheld), exams=_exam_lines(exam_rows, names, subject_names, classes))
    for s in sheets:
        out.marks = out.marks + s.marks
        out.standing = out.standing + s.standing
    return out


def _exam_rows(tx, school_id: int, year_id: int, class_ids: list[int], pupils: set[int]):
    """The year's results of ВПР, ОГЭ, ЕГЭ given in the chosen classes, with the year marks they are
    compared with (services/rules/exams.year_mark)."""
    from models import ExamResult
    from services.reports.exams import year_marks
    if not class_ids:
        return []
    rows = [r for r in tx.exec(select(ExamResult).where(
        ExamResult.school_id == school_id, ExamResult.year_id == year_id, ExamResult.class_id.in_(class_ids))).all()
        if r.student_id in pupils]
    marks = year_marks(tx, school_id, year_id, {r.student_id for r in rows}, {r.subject_id for r in rows})
    return [(r, marks.get((r.student_id, r.subject_id), (None, []))) for r in rows]


def _exam_lines(rows, names, subject_names, classes) -> list[ExamLine]:
    from services.rules import exams as exam_rules
    out = []
    for r, (annual, periods) in rows:
        ym = exam_rules.year_mark(annual, periods, r.held_on) if r.mark is not None else None
        out.append(ExamLine(r.class_id, classes[r.class_id].name if r.class_id in classes else "", r.student_id,
                            names.get(r.student_id, f"ученик {r.student_id}"), exam_rules.KINDS.get(r.kind, r.kind),
                            subject_names.get(r.subject_id, str(r.subject_id)), r.held_on, r.primary_score,
                            r.test_score, r.mark, ym, exam_rules.difference(r.mark, ym)))
    out.sort(key=lambda e: (class_sort_key(classes[e.class_id]) if e.class_id in classes else (99, ""), e.kind,
                            e.subject, e.name))
    return out


def _column(column: str, periods):
    if column in KIND_TITLES:
        return column, None
    if column.startswith("period:"):
        try:
            pid = int(column.split(":", 1)[1])
        except ValueError:
            pid = None
        period = next((p for p in periods if p.id == pid), None)
        if period is None:
            raise ReportError("Выбранный учебный период не относится к этому учебному году школы.")
        return "period", period
    raise ReportError(f"Неизвестный вид ведомости «{column}»: выберите период, годовые, экзаменационные "
                      "или итоговые отметки.")


def _class_on(history, day: date) -> int | None:
    inside = [s for s in history if s.covers(day)]
    if inside:
        return inside[-1].class_id
    before = [s for s in history if s.starts_on <= day]
    return before[-1].class_id if before else None


def _class_teachers(tx, class_ids: list[int]) -> dict[int, str]:
    if not class_ids:
        return {}
    out = {}
    for cid, last, first, middle in tx.exec(
            select(RoleGrant.class_id, User.last_name, User.first_name, User.middle_name)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == "class_teacher", RoleGrant.class_id.in_(class_ids),
                   RoleGrant.revoked_at.is_(None)).order_by(RoleGrant.id)).all():
        out.setdefault(cid, full_name(last, first, middle))
    return out


def _sheet(cls, plan, class_stays, history, names, by_class_pupil, subject_names, classes, start: date,
           as_of: date, teacher: str) -> ClassSheet:
    subjects = [(sid, name) for sid, name, no_att in plan if not no_att]
    no_att_ids = {sid for sid, _, no_att in plan if no_att}
    no_attestation = [name for _, name, no_att in plan if no_att]
    listed = {sid for sid, _ in subjects}
    pupils = sorted({s.student_id for s in class_stays}, key=lambda p: (names.get(p, ""), p))
    extra = sorted({subj for (c, p), ms in by_class_pupil.items() if c == cls.id for subj in ms
                    if subj not in listed and subj not in no_att_ids})
    subjects += [(sid, subject_names.get(sid, str(sid))) for sid in extra]
    rows = []
    for sid in pupils:
        mine = sorted((s for s in class_stays if s.student_id == sid), key=lambda s: s.starts_on)
        counted = any(s.covers(as_of) for s in mine)
        marks = {subj: v for subj, v in by_class_pupil.get((cls.id, sid), {}).items() if subj not in no_att_ids}
        note = _note(mine, history.get(sid, []), classes, start, as_of)
        rows.append(AttRow(sid, names.get(sid, f"ученик {sid}"), note, counted, marks, count_marks(marks.values()), pupil_category(marks.values())))
    counted_rows = [r for r in rows if r.counted]
    by_subject = {subj: count_marks(r.marks.get(subj, "") for r in counted_rows) for subj, _ in subjects}
    total = MarkCounts()
    for c in by_subject.values():
        total = total + c
    return ClassSheet(cls.id, cls.name, cls.grade, teacher, subjects, no_attestation, rows, by_subject, total,
                      standing(r.category for r in counted_rows))


def _note(mine, history, classes, start: date, as_of: date) -> str:
    """Where the pupil came from and went to, when it happened inside the period."""
    parts = []
    first, last = mine[0], mine[-1]
    if first.starts_on > start:
        before = [s for s in history if s.starts_on < first.starts_on]
        came = f" (из {classes[before[-1].class_id].name})" if before and before[-1].class_id in classes else ""
        parts.append(f"в классе с {first.starts_on:%d.%m.%Y}{came}")
    if last.ends_on is not None and last.ends_on < as_of:
        after = [s for s in history if s.starts_on > last.ends_on]
        went = f" (в {classes[after[0].class_id].name})" if after and after[0].class_id in classes else ""
        parts.append(f"в классе до {last.ends_on:%d.%m.%Y}{went}")
    return "; ".join(parts)
