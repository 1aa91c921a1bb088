"""Importing the timetable from Excel (R-PLAN-3): each row — class, day, lesson number, subject,
teacher, room, subgroup — is checked against the school (the class of the year, the subject of
its curriculum, one teacher by that name, a subgroup of that subject) and against every other
row and the rest of the school's timetable (a teacher or a room in two places, overlapping
pupils). Problems are reported with the row, the column and the reason; a file with errors
changes nothing unless only the good rows are asked for. Each class in the file gets exactly
its rows as its timetable from the chosen date (services/planning/timetable.replace_classes); classes
not in the file are untouched. Importing the same file again changes nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from importers import excel
from importers.excel import ImportFileError, Parsed, ParsedRow, Problem
from importers.parsers import name_key
from importers.timetable import TIMETABLE
from models import Staff, Subgroup
from models.db import reading, transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target
from services.planning.timetable import SlotRow, TimetableError, conflicts_for, load_context, replace_classes
from services.planning.timetable_lessons import GenerationResult
from services.planning.years import CalendarError, year_for

COLUMN_OF_KIND = {"teacher": "teacher", "room": "room", "class": "lesson_number", "pupils": "subgroup",
                  "curriculum": "subject", "subgroup": "subgroup", "day": "weekday", "number": "lesson_number"}


@dataclass
class TimetableImportResult:
    rows: int = 0
    classes: list[str] = field(default_factory=list)
    created: int = 0
    closed: int = 0
    unchanged: int = 0
    subgroups_created: int = 0
    effective_from: date | None = None
    lessons: GenerationResult | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False

    def as_json(self) -> dict:
        return {"rows": self.rows, "classes": self.classes, "created": self.created, "closed": self.closed,
                "unchanged": self.unchanged, "subgroups_created": self.subgroups_created,
                "effective_from": self.effective_from, "committed": self.committed,
                "lessons": self.lessons.as_json() if self.lessons else None,
                "errors": [p.as_dict() for p in self.errors], "warnings": [p.as_dict() for p in self.warnings]}


class _Stop(Exception):
    pass


def template() -> bytes:
    return excel.template(TIMETABLE)


def _norm(text: str) -> str:
    return name_key(text)[0]


class _Teachers:
    """Finds a teacher by «Фамилия И. О.», «Фамилия Имя Отчество» or a surname that is unique."""

    def __init__(self, staff: list[Staff]):
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.names: dict[int, str] = {}
        for s in staff:
            last, first, middle = _norm(s.last_name), _norm(s.first_name), _norm(s.middle_name or "")
            initials = "".join(x[:1] for x in (first, middle) if x)
            for key in (f"{last} {first} {middle}".strip(), f"{last} {first}", f"{last} {initials}",
                        f"{last} {first[:1]}", last):
                self.by_key[key].add(s.id)
            self.names[s.id] = " ".join(x for x in (s.last_name, s.first_name, s.middle_name) if x)

    def find(self, text: str) -> tuple[int | None, str]:
        raw = _norm(text.replace(".", ". "))
        parts = raw.replace(".", " ").split()
        if not parts:
            return None, "не указан учитель"
        candidates = [" ".join(parts)]
        if len(parts) >= 2 and all(len(p) == 1 for p in parts[1:]):
            candidates.insert(0, f"{parts[0]} {''.join(parts[1:])}")
        for key in candidates:
            found = self.by_key.get(key)
            if found and len(found) == 1:
                return next(iter(found)), ""
            if found:
                names = ", ".join(sorted(self.names[i] for i in found))
                return None, f"несколько сотрудников с таким именем ({names}): укажите имя и отчество полностью"
        return None, "сотрудник не найден в школе (сначала загрузите список сотрудников)"


def run_import(actor: Actor, school_id: int, source: bytes | str | Path, filename: str = "", *,
               effective_from: date | None = None, year_id: int | None = None, dry_run: bool = False,
               only_valid: bool = False) -> TimetableImportResult:
    """Check every row, then replace the timetables of the file's classes from the date (default:
    today, or the first day of the year if it has not begun) and regenerate their lessons."""
    with reading() as tx:  # permission first: no file is read for someone who may not import
        policy.require_in_school(actor, "timetable.edit", school_target(tx, school_id, entity="timetable"))
    result = TimetableImportResult(dry_run=dry_run)
    try:
        table = excel.read_table(source, filename)
    except ImportFileError as e:
        result.errors.append(Problem(0, "", "", str(e)))
        return result
    parsed = excel.parse(TIMETABLE, table)
    result.rows = len(parsed.rows)
    if parsed.file_problems:
        result.errors = parsed.file_problems
        return result
    try:
        with transaction() as tx:
            policy.require(actor, "timetable.view", school_target(tx, school_id, entity="timetable"))
            try:
                year = year_for(tx, school_id, year_id, effective_from)
            except CalendarError as e:
                result.errors.append(Problem(0, "", "", str(e)))
                raise _Stop from None
            day = effective_from or max(clock.today(), year.starts_on)
            result.effective_from = day
            if not year.starts_on <= day <= year.ends_on or year.is_closed:
                result.errors.append(Problem(0, "", "", f"Дата {day:%d.%m.%Y} вне открытого учебного года "
                                                        f"{year.start_year}/{year.start_year + 1}."))
                raise _Stop
            new, where = _resolve(tx, actor, school_id, year, parsed, result)
            ctx = load_context(tx, school_id, year, members_from=day)
            _check_conflicts(tx, ctx, parsed, new, where, day)
            result.errors, result.warnings = parsed.errors, parsed.warnings
            if result.errors and not only_valid:
                raise _Stop
            bad = {p.row for p in result.errors}
            new = {c: [r for i, r in enumerate(rows) if where[(c, i)].number not in bad] for c, rows in new.items()}
            new = {c: rows for c, rows in new.items() if rows}
            if not new:
                raise _Stop
            for class_id in new:
                policy.require(actor, "timetable.edit", targets.for_class(tx, class_id))
            try:
                saved = replace_classes(tx, actor, school_id, new, day)
            except TimetableError as e:  # cannot happen after the checks above, but never half-way
                result.errors.extend(Problem(0, "", "", m) for m in e.problems)
                raise _Stop from None
            result.classes = saved.class_names
            result.created, result.closed, result.unchanged = saved.created, saved.closed, saved.unchanged
            result.lessons = saved.lessons
            if dry_run:
                raise _Stop
            if saved.created or saved.closed or result.subgroups_created:
                audit.record(tx, actor, "timetable.imported", school_id=school_id, entity="timetable",
                             entity_id=year.id, new={"file": Path(filename).name if filename else "",
                                                     "from": day, "classes": saved.class_names,
                                                     "created": saved.created, "closed": saved.closed,
                                                     "skipped_rows": len(bad)})
    except _Stop:
        return result
    result.committed = True
    return result


def _resolve(tx: Session, actor: Actor, school_id: int, year, parsed: Parsed, result: TimetableImportResult):
    """Rows → SlotRows per class, checking each against the school; where[(class, i)] = its row."""
    from models import CurriculumItem, SchoolClass, Subject
    classes = {c.name: c for c in tx.exec(select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.year_id == year.id)).all()}
    subjects: dict[str, Subject] = {}
    for s in tx.exec(select(Subject).where(Subject.school_id == school_id)).all():
        subjects[_norm(s.name)] = s
        if s.short_name:
            subjects.setdefault(_norm(s.short_name), s)
    curriculum = {(i.class_id, i.subject_id): i for i in tx.exec(select(CurriculumItem).where(
        CurriculumItem.school_id == school_id)).all()}
    teachers = _Teachers(list(tx.exec(select(Staff).where(Staff.school_id == school_id)).all()))
    groups = {(g.class_id, g.subject_id, g.name): g for g in tx.exec(select(Subgroup).where(
        Subgroup.school_id == school_id)).all()}
    new: dict[int, list[SlotRow]] = defaultdict(list)
    where: dict[tuple[int, int], ParsedRow] = {}
    for row in parsed.rows:
        if not row.ok:
            continue
        cls = classes.get(row.get("class_name"))
        if cls is None:
            row.add("class_name", f"класса нет в {year.start_year}/{year.start_year + 1} учебном году школы")
            continue
        subject = subjects.get(_norm(row.get("subject")))
        if subject is None:
            row.add("subject", "предмет не найден в школе")
            continue
        item = curriculum.get((cls.id, subject.id))
        if item is None:
            row.add("subject", f"предмета нет в учебном плане {cls.name}")
            continue
        teacher_id, problem = teachers.find(row.get("teacher"))
        if teacher_id is None:
            row.add("teacher", problem)
            continue
        subgroup_id = None
        if row.get("subgroup") is not None:
            name = f"{row.get('subgroup')} группа"
            group = groups.get((cls.id, subject.id, name))
            if group is None:
                if not item.split:
                    row.add("subgroup", f"«{subject.name}» в {cls.name} не делится на подгруппы по учебному плану")
                    continue
                group = Subgroup(school_id=school_id, class_id=cls.id, subject_id=subject.id, name=name)
                tx.add(group)
                tx.flush()
                groups[(cls.id, subject.id, name)] = group
                result.subgroups_created += 1
                row.add("subgroup", f"подгруппа «{name}» ({subject.name}, {cls.name}) будет создана; её состав "
                                    "заполнит классный руководитель", "warning")
            subgroup_id = group.id
        slot = SlotRow(row.get("weekday"), row.get("lesson_number"), subject.id, teacher_id, row.get("room") or "",
                       subgroup_id)
        where[(cls.id, len(new[cls.id]))] = row
        new[cls.id].append(slot)
    return dict(new), where


def _check_conflicts(tx: Session, ctx, parsed: Parsed, new: dict[int, list[SlotRow]],
                     where: dict[tuple[int, int], ParsedRow], day: date) -> None:
    for class_id, rows in new.items():
        numbers = set(ctx.numbers(ctx.classes[class_id].shift))
        for i, r in enumerate(rows):
            if r.lesson_number not in numbers:
                where[(class_id, i)].add("lesson_number", f"{r.lesson_number} урока нет в расписании звонков "
                                                          f"{ctx.classes[class_id].shift} смены")
    for conflict in conflicts_for(tx, ctx, new, day):
        rows = [where[k] for k in conflict.keys if k in where]
        for row in rows:
            others = [f"строка {o.number}" for o in rows if o is not row]
            suffix = f" (см. {', '.join(others)})" if others else ""
            row.add(COLUMN_OF_KIND.get(conflict.kind, "lesson_number"), conflict.message + suffix)
