"""Saving edited cells of the journal (R-JRN-3, R-JRN-6): every cell re-checked on the server, all of a save in
one transaction, written a statement per kind of row (services/journal/grid.py loads the grid)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, null, union_all
from sqlmodel import select

from models import (
    AcademicYear, Attendance, CellGrant, CurriculumItem, Enrollment, Lesson, Mark, School, SchoolClass, SchoolSettings, Student,
    SubgroupMember, Work, WorkType,
)
from models.db import reading, transaction
from services.comms import mail
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.journal.edits import CellChange, CellProblem, JournalError, SaveResult, closed_message, person_name
from services.rules.cells import Cell, CellError, format_cell, numeric, parse_cell
from services.rules.edit_window import EDIT_WINDOWS, CellOpening, edit_window_end, may_change_mark, opened


def save_cells(actor: Actor, changes: list[CellChange], *, partial: bool = False) -> SaveResult:
    """Save edited cells in one transaction.

    Every cell is re-checked on the server: the lesson must be the actor's to fill, the pupil
    enrolled on its date, the text valid, a changed or deleted mark inside the edit window, and
    the cell unchanged since it was loaded (else a conflict: nothing is overwritten). With
    errors or conflicts nothing is saved, unless `partial` asks to save the good cells."""
    result = SaveResult()
    if not changes:
        return result
    refused: list = []
    _save(actor, changes, partial, result, refused)
    if refused:  # audited after the refused transaction has ended (SQLite has one writer)
        _audit_denial(actor, *refused)
    elif result.errors:  # cells the server refused (a mark of 9, a pupil not in the class, …): a trace
        _audit_refused(actor, changes, result)
    return result


def save_correction(actor: Actor, change: CellChange, reason: str) -> SaveResult:
    """The administrator changes one cell (a mark or an absence) for a correction request (2.3;
    issue 16, item 5): policy `correction.resolve`, not `journal.edit`; past the edit window too
    (the request is the reason, written in each audit event); the cell's own checks (the pupil
    enrolled, the text valid, nobody changed it meanwhile, the year not closed) stay."""
    result = SaveResult()
    refused: list = []
    _save(actor, [change], False, result, refused, override=reason)
    if refused:
        _audit_denial(actor, *refused, action="correction.resolve")
    return result


def _audit_refused(actor: Actor, changes: list[CellChange], result: SaveResult) -> None:
    reasons = "; ".join(dict.fromkeys(p.message for p in result.errors[:5]))
    with reading() as tx:
        schools = set(tx.exec(select(Lesson.school_id).where(
            Lesson.id.in_(sorted({c.lesson_id for c in changes})))).all())
    audit.record_now(actor, "journal.save_refused", school_id=min(schools) if len(schools) == 1 else None,
                     entity="lesson",
                     entity_id=",".join(map(str, sorted({c.lesson_id for c in changes})))[:64],
                     detail=f"отклонено клеток {len(result.errors)} из {len(changes)}, сохранено {result.saved}: "
                            f"{reasons}")


# The save's statements are built once: building a statement costs more CPU than running it,
# and a teacher's save is the busiest write of the system (bench/load.py).
def _among(column, name: str):  # a list bound at execution
    return column.in_(bindparam(name, expanding=True))


_MARKS, _ATT, _LESSON, _WORK = Mark.__table__, Attendance.__table__, Lesson.__table__, Work.__table__
# the lessons, with what the policy, the closed year, the edit window and the marking need, each
# with these pupils' enrolments in its class (a row per enrolment); their rows locked in id
# order: two sessions saving cells of one lesson take turns, so that the second sees the work
# the first made instead of making another column
_LESSONS = (
    select(Lesson.id, Lesson.school_id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id, Lesson.teacher_id,
           Lesson.lesson_date, Lesson.attendance_taken_at, School.municipality_id, SchoolClass.grade,
           AcademicYear.is_closed, AcademicYear.start_year, SchoolSettings.timezone, SchoolSettings.edit_window,
           CurriculumItem.marking, Enrollment.student_id.label("pupil_id"),
           Enrollment.starts_on.label("enrolled_from"), Enrollment.ends_on.label("enrolled_to"))
    .join(School, School.id == Lesson.school_id)
    .join(SchoolClass, SchoolClass.id == Lesson.class_id)
    .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
    .outerjoin(SchoolSettings, SchoolSettings.school_id == Lesson.school_id)
    .outerjoin(CurriculumItem, and_(CurriculumItem.school_id == Lesson.school_id,
                                    CurriculumItem.class_id == Lesson.class_id,
                                    CurriculumItem.subject_id == Lesson.subject_id))
    # school_id first, as every index of these tables begins with it (else a full scan)
    .outerjoin(Enrollment, and_(Enrollment.school_id == Lesson.school_id, Enrollment.class_id == Lesson.class_id,
                                _among(Enrollment.student_id, "student_ids")))
    .where(_among(Lesson.id, "lesson_ids")).order_by(Lesson.id).with_for_update(of=Lesson))
_GROUP_SPANS = (
    select(SubgroupMember.student_id, SubgroupMember.subgroup_id, SubgroupMember.starts_on, SubgroupMember.ends_on)
    .where(_among(SubgroupMember.subgroup_id, "subgroup_ids"), _among(SubgroupMember.student_id, "student_ids")))
# what the cells hold now: the lessons' works, each with these pupils' marks (a work without
# any: one row of NULLs), then (work NULL) these pupils' attendance at the lessons
_CELLS = union_all(
    select(Work.id, Work.lesson_id, Mark.id, Mark.student_id, Mark.position, Mark.value, Mark.version)
    .outerjoin(Mark, and_(Mark.school_id == Work.school_id, Mark.work_id == Work.id,
                          _among(Mark.student_id, "student_ids")))
    .where(_among(Work.school_id, "school_ids"), _among(Work.lesson_id, "lesson_ids")),
    select(null().cast(Integer), Attendance.lesson_id, Attendance.id, Attendance.student_id, null().cast(Integer),
           Attendance.status, Attendance.version)
    .where(_among(Attendance.school_id, "school_ids"), _among(Attendance.lesson_id, "lesson_ids"),
           _among(Attendance.student_id, "student_ids")))
_WORK_INSERT = _WORK.insert().returning(_WORK.c.id)
_MARK_INSERT = _MARKS.insert()
_MARK_UPDATE = _MARKS.update().where(_MARKS.c.id == bindparam("mark_id")).values(
    value=bindparam("value"), numeric=bindparam("numeric"), updated_at=bindparam("updated_at"),
    version=bindparam("version"), entered_by_user_id=bindparam("entered_by_user_id"))
_MARK_DELETE = _MARKS.delete().where(_among(_MARKS.c.id, "ids"))
_ATT_INSERT = _ATT.insert()
_ATT_UPDATE = _ATT.update().where(_ATT.c.id == bindparam("att_id")).values(
    status=bindparam("status"), version=bindparam("version"), entered_at=bindparam("entered_at"),
    entered_by_user_id=bindparam("entered_by_user_id"))
_ATT_DELETE = _ATT.delete().where(_among(_ATT.c.id, "ids"))
_TAKEN = _LESSON.update().where(_among(_LESSON.c.id, "ids")).values(attendance_taken_at=bindparam("now"))


@dataclass(frozen=True)
class _Current:
    """A row a cell holds now: a mark (value) or an attendance (value = its status)."""
    id: int
    value: str
    version: int


@dataclass
class _Writes:
    """The rows one save writes, sent at its end a statement per kind."""
    mark_inserts: list[dict] = field(default_factory=list)
    mark_updates: list[dict] = field(default_factory=list)
    mark_deletes: list[int] = field(default_factory=list)
    att_inserts: list[dict] = field(default_factory=list)
    att_updates: list[dict] = field(default_factory=list)
    att_deletes: list[int] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)
    events: list[dict] = field(default_factory=list)

    def send(self, conn, now: datetime) -> None:
        for statement, params in (
                (_MARK_DELETE, self.mark_deletes and {"ids": self.mark_deletes}),
                (_MARK_UPDATE, self.mark_updates), (_MARK_INSERT, self.mark_inserts),
                (_ATT_DELETE, self.att_deletes and {"ids": self.att_deletes}),
                (_ATT_UPDATE, self.att_updates), (_ATT_INSERT, self.att_inserts),
                (_TAKEN, self.taken and {"ids": sorted(self.taken), "now": now})):
            if params:
                conn.execute(statement, params)
        audit.record_rows(conn, self.events)


def _save(actor: Actor, changes: list[CellChange], partial: bool, result: SaveResult, refused: list,
          override: str | None = None) -> None:
    """`override`: the reason of an administrator's correction (policy correction.resolve, no edit window)."""
    now = clock.now()
    with transaction() as tx:
        conn = tx.connection()
        lesson_ids = sorted({c.lesson_id for c in changes})
        student_ids = sorted({c.student_id for c in changes})
        lessons, spans = {}, defaultdict(set)
        for row in conn.execute(_LESSONS, {"lesson_ids": lesson_ids, "student_ids": student_ids}):
            lessons.setdefault(row.id, row)
            if row.pupil_id is not None:
                spans[("class", row.class_id, row.pupil_id)].add((row.enrolled_from, row.enrolled_to))
        school_ids = sorted({l.school_id for l in lessons.values()})
        names: dict[int, str] = {}

        def name_of(sid: int) -> str:  # only a refused cell needs the pupil's name: read on demand
            if not names:
                names.update({i: person_name(last, first) for i, last, first in tx.exec(
                    select(Student.id, Student.last_name, Student.first_name)
                    .where(Student.id.in_(student_ids))).all()} or {0: ""})
            return names.get(sid, f"ученик {sid}")
        denied = sorted(lid for lid, l in lessons.items() if not policy.allowed(
            actor, "journal.edit" if override is None else "correction.resolve",
            targets.of_lesson(lid, l.school_id, l.municipality_id, l.class_id, l.grade, l.subject_id, l.teacher_id)))
        if denied or len(lessons) < len(lesson_ids):
            missing = [lid for lid in lesson_ids if lid not in lessons]
            refused.extend([denied + missing, set(school_ids)])
            result.errors.append(CellProblem(0, "", None, "Недостаточно прав: заполнение журнала урока. "
                                             "Среди изменённых клеток есть уроки, которые ведёте не вы."
                                             if override is None else
                                             "Недостаточно прав: исправление данных по заявкам."))
            return
        closed = min((l.start_year for l in lessons.values() if l.is_closed), default=None)
        if closed is not None:
            result.errors.append(CellProblem(0, "", None, closed_message(closed)))
            return
        _group_spans(conn, spans, lessons.values(), student_ids)
        works: dict[int, int] = {}  # work id → its lesson
        lesson_works: dict[int, list[int]] = defaultdict(list)
        current_marks: dict[tuple[int, int], list] = defaultdict(list)
        current_att: dict[tuple[int, int], _Current] = {}
        for wid, lid, row_id, sid, position, value, version in conn.execute(_CELLS, {
                "student_ids": student_ids, "school_ids": school_ids, "lesson_ids": lesson_ids}):
            if wid is None:  # attendance
                current_att[(sid, lid)] = _Current(row_id, value, version)
                continue
            works.setdefault(wid, lid)
            if row_id is not None:
                current_marks[(sid, wid)].append((position, _Current(row_id, value, version)))
        for wid in sorted(works):
            lesson_works[works[wid]].append(wid)

        planned, openings = [], None
        for ch in changes:
            lesson = lessons[ch.lesson_id]

            def problem(msg, bucket=result.errors):
                bucket.append(CellProblem(ch.student_id, name_of(ch.student_id), lesson.lesson_date, msg))

            if ch.work_id is not None and works.get(ch.work_id) != lesson.id:
                problem("Работа не относится к этому уроку.")
                continue
            if not _enrolled(spans, ch.student_id, lesson):
                problem(f"{name_of(ch.student_id)} не числится в классе (группе) на {lesson.lesson_date:%d.%m.%Y}.")
                continue
            try:
                cell = parse_cell(ch.new, marking=lesson.marking or "five")
            except CellError as e:
                problem(f"{name_of(ch.student_id)}, {lesson.lesson_date:%d.%m.%Y}: {e}")
                continue
            first = lesson_works[lesson.id][0] if lesson_works.get(lesson.id) else None
            carries_attendance = ch.work_id is None or ch.work_id == first
            wid = ch.work_id if ch.work_id is not None else first  # another session may have made it
            old_marks = [m for _, m in sorted(current_marks.get((ch.student_id, wid), []),
                                              key=lambda pm: pm[0])] if wid else []
            att = current_att.get((ch.student_id, lesson.id))
            now_text = format_cell(Cell(tuple(m.value for m in old_marks),
                                        att.value if (att and carries_attendance) else None))
            if now_text != ch.old:
                problem(f"{name_of(ch.student_id)}, {lesson.lesson_date:%d.%m.%Y}: клетку уже изменили "
                        f"(сейчас «{now_text or 'пусто'}», у вас было «{ch.old or 'пусто'}»). "
                        "Обновите журнал и внесите изменение заново.", result.conflicts)
                continue
            if not carries_attendance and cell.attendance is not None:
                problem(f"{name_of(ch.student_id)}, {lesson.lesson_date:%d.%m.%Y}: "
                        "посещаемость отмечается в первом столбце урока.")
                continue
            old_values = tuple(m.value for m in old_marks)
            if old_values and old_values != cell.marks and override is None:
                window = lesson.edit_window or _DEFAULT_SETTINGS.edit_window
                tz = clock.zone(lesson.timezone or _DEFAULT_SETTINGS.timezone)
                end = edit_window_end(lesson.lesson_date, window, tz)
                if now > end and openings is None:  # read once, only when a cell is past the window
                    openings = _openings(tx, school_ids, lesson_ids, student_ids, actor)
                if not may_change_mark(lesson.lesson_date, window, tz, now, cell_opened=now > end and opened(
                        openings, lesson.id, ch.student_id, actor.staff_ids, now)):
                    problem(f"{name_of(ch.student_id)}, {lesson.lesson_date:%d.%m.%Y}: срок изменения отметок истёк "
                            f"{end:%d.%m.%Y в %H:%M} («{EDIT_WINDOWS[window].title}»).")
                    continue
            planned.append((ch, lesson, cell, old_marks, att, carries_attendance, wid))

        if (result.errors or result.conflicts) and not partial:
            tx.rollback()
            return
        writes, default_type = _Writes(), None
        for ch, lesson, cell, old_marks, att, carries_attendance, wid in planned:
            if wid is None and lesson_works.get(lesson.id):
                wid = lesson_works[lesson.id][0]  # made by an earlier cell of this save
            if wid is None and cell.marks:
                if default_type is None:  # only a new work needs it: read on demand
                    default_type = tx.exec(select(WorkType.id).where(WorkType.school_id == lesson.school_id,
                                                                     WorkType.is_default.is_(True))).first()
                if default_type is None:
                    raise JournalError("В школе не задан вид работы по умолчанию.")
                wid = conn.execute(_WORK_INSERT, {"school_id": lesson.school_id, "lesson_id": lesson.id,
                                                  "work_type_id": default_type, "title": "",
                                                  "created_at": now}).scalar_one()
                works[wid] = lesson.id
                lesson_works[lesson.id].insert(0, wid)
            _plan_marks(writes, actor, lesson, ch.student_id, wid, old_marks, cell.marks, now, override)
            if carries_attendance:
                _plan_attendance(writes, actor, lesson, ch.student_id, att, cell.attendance, now, override)
                if lesson.attendance_taken_at is None:
                    writes.taken.add(lesson.id)
            result.saved += 1
        writes.send(conn, now)
        mail.journal_saved(tx, _told(planned))  # letters to subscribed families, in this transaction
    result.committed = result.saved > 0


_DEFAULT_SETTINGS = SchoolSettings(school_id=0)


def _openings(tx, school_ids: list[int], lesson_ids: list[int], student_ids: list[int],
              actor: Actor) -> list[CellOpening]:
    """The cells of these lessons and pupils opened to this actor past the edit window (a
    correction request's grant, services/comms/corrections.open_cell)."""
    if not actor.staff_ids:
        return []
    rows = tx.exec(select(CellGrant.lesson_id, CellGrant.student_id, CellGrant.staff_id, CellGrant.expires_at)
                   .where(CellGrant.school_id.in_(school_ids), CellGrant.lesson_id.in_(lesson_ids),
                          CellGrant.student_id.in_(student_ids),
                          CellGrant.staff_id.in_(sorted(actor.staff_ids)))).all()
    return [CellOpening(l, s, st, clock.to_stored(clock.to_local(e))) for l, s, st, e in rows]


def _told(planned) -> list:
    """What the saved cells tell a family: the marks added, an absence newly set."""
    out = []
    for ch, lesson, cell, old_marks, att, carries_attendance, _ in planned:
        old_values = tuple(m.value for m in old_marks)
        added = tuple(v for i, v in enumerate(cell.marks) if i >= len(old_values) or old_values[i] != v)
        absence = cell.attendance if carries_attendance and cell.attendance != (att.value if att else None) else None
        if added or absence in mail.ABSENCE_TITLES:
            out.append(mail.JournalChange(lesson.school_id, ch.student_id, lesson.subject_id, lesson.lesson_date,
                                          added, absence if absence in mail.ABSENCE_TITLES else None))
    return out


def _audit_denial(actor: Actor, lesson_ids: list[int], school_ids: set[int], action: str = "journal.edit") -> None:
    audit.record_now(actor, "access.denied", school_id=min(school_ids) if len(school_ids) == 1 else None,
                     entity="lesson", entity_id=",".join(map(str, lesson_ids))[:64],
                     detail=f"{action}: попытка изменить клетки чужих или несуществующих уроков")


def _group_spans(conn, spans: dict, lessons, student_ids) -> None:
    """Add the pupils' memberships of the lessons' subgroups to their class enrolments."""
    subgroup_ids = sorted({l.subgroup_id for l in lessons if l.subgroup_id})
    if subgroup_ids:
        for sid, gid, s, e in conn.execute(_GROUP_SPANS, {"subgroup_ids": subgroup_ids,
                                                               "student_ids": student_ids}):
            spans[("group", gid, sid)].add((s, e))


def _enrolled(spans, student_id: int, lesson) -> bool:
    def inside(key):
        return any(s <= lesson.lesson_date and (e is None or lesson.lesson_date <= e) for s, e in spans.get(key, []))
    if not inside(("class", lesson.class_id, student_id)):
        return False
    return lesson.subgroup_id is None or inside(("group", lesson.subgroup_id, student_id))


def _plan_marks(writes: _Writes, actor: Actor, lesson, student_id: int, work_id: int | None,
                old_marks: list[_Current], new_values: tuple[str, ...], now: datetime,
                reason: str | None = None) -> None:
    old_values = tuple(m.value for m in old_marks)
    if old_values == new_values:
        return
    by = actor.user_id or None
    for pos in range(max(len(old_marks), len(new_values))):
        existing = old_marks[pos] if pos < len(old_marks) else None
        value = new_values[pos] if pos < len(new_values) else None
        if existing is not None and value is None:
            writes.mark_deletes.append(existing.id)
        elif existing is not None and existing.value != value:
            writes.mark_updates.append({"mark_id": existing.id, "value": value, "numeric": numeric(value),
                                        "updated_at": now, "version": existing.version + 1,
                                        "entered_by_user_id": by})
        elif existing is None and value is not None:
            writes.mark_inserts.append({"school_id": lesson.school_id, "work_id": work_id, "student_id": student_id,
                                        "position": pos, "value": value, "numeric": numeric(value),
                                        "entered_at": now, "entered_by_user_id": by, "updated_at": None,
                                        "version": 1})
    writes.events.append(audit.values(
        actor, "mark.changed", school_id=lesson.school_id, entity="mark", entity_id=f"{work_id}:{student_id}",
        old={"marks": list(old_values)} if old_values else None,
        new={"marks": list(new_values)} if new_values else None, at=now,
        detail=f"lesson={lesson.id}; date={lesson.lesson_date}; class={lesson.class_id}; "
               f"subject={lesson.subject_id}; student={student_id}"
               + (f"; исправление по заявке: {reason}" if reason is not None else "")))


def _plan_attendance(writes: _Writes, actor: Actor, lesson, student_id: int, att: _Current | None,
                     status: str | None, now: datetime, reason: str | None = None) -> None:
    old = att.value if att else None
    if old == status:
        return
    by = actor.user_id or None
    if att is not None and status is None:
        writes.att_deletes.append(att.id)
    elif att is not None:
        writes.att_updates.append({"att_id": att.id, "status": status, "version": att.version + 1,
                                   "entered_at": now, "entered_by_user_id": by})
    else:
        writes.att_inserts.append({"school_id": lesson.school_id, "lesson_id": lesson.id, "student_id": student_id,
                                   "status": status, "entered_at": now, "entered_by_user_id": by, "version": 1})
    writes.events.append(audit.values(
        actor, "attendance.changed", school_id=lesson.school_id, entity="attendance",
        entity_id=f"{lesson.id}:{student_id}", old=old, new=status, at=now,
        detail=f"lesson={lesson.id}; date={lesson.lesson_date}; student={student_id}"
               + (f"; исправление по заявке: {reason}" if reason is not None else "")))
