"""Corrections that get made (2.3, 1.2; issue 16, item 5). A correction request about a mark, an
absence or a topic is resolved by the administrator (policy `correction.resolve`) in one of two ways:

- **changing the data directly** — a cell of the journal (`change_cell`: a mark, an absence) or a
  lesson's topic (`change_topic`), with the reason: the change is audited as every change of a
  mark (`mark.changed`, `attendance.changed`, `lesson.changed`, the reason in the detail), the
  request is closed, and the lesson's teacher and the applicant are told (services/comms/notices.py);
- **opening that one cell to its teacher for 24 hours** (`open_cell`): a CellGrant lets the
  lesson's teacher change that pupil's marks at that lesson past the edit window until it
  expires (services/rules/edit_window.opened, checked by services/journal/save). The window
  stays closed for everyone and everything else. The teacher and the applicant are told.

A topic and an absence are never locked by the edit window (the teacher can fix them on the
lesson's page at any time), so only a mark cell is opened; a direct change works for all three.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from models import CellGrant, CorrectionRequest, Lesson, Staff, StudyPeriod
from models.db import reading, transaction
from services.comms import notices
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.journal import grid as journal, save as journal_save
from services.comms.corrections import (
    RESOLUTION_MAX, STATUS_TITLES, CorrectionError, CorrectionRow, _rows, _settings, _text, due_of,
)
from services.core.schools import school_target
from services.journal.edits import CellChange
from services.rules import deadlines
from services.rules.edit_window import GRANT_HOURS, opening_expires

TOPIC_MAX = 500


@dataclass(frozen=True)
class LessonCells:
    """One lesson as the administrator sees it to correct it: its columns (works), pupils and cells."""
    lesson_id: int
    lesson_date: date
    class_name: str
    subject_name: str
    topic: str
    teacher: str
    columns: list[journal.Column]
    pupils: list[journal.Pupil]
    cells: dict[tuple[int, str], str]


def _request(tx: Session, actor: Actor, request_id: int) -> CorrectionRequest:
    row = tx.get(CorrectionRequest, request_id)
    if row is None:
        raise CorrectionError(f"Заявка № {request_id} не найдена.")
    policy.require(actor, "correction.resolve", school_target(tx, row.school_id, entity="correction_request",
                                                              entity_id=request_id))
    if row.status != "open":
        raise CorrectionError(f"Заявка № {request_id} уже закрыта ({STATUS_TITLES.get(row.status, row.status)}).")
    return row


def _lesson(tx: Session, row: CorrectionRequest, lesson_id: int) -> Lesson:
    lesson = tx.get(Lesson, lesson_id)
    if lesson is None or lesson.school_id != row.school_id:
        raise CorrectionError(f"Урок № {lesson_id} не найден в школе заявки № {row.id}.")
    return lesson


def _period_id(tx: Session, lesson: Lesson) -> int | None:
    if lesson.period_id:
        return lesson.period_id
    period = tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == lesson.school_id,
                                               StudyPeriod.starts_on <= lesson.lesson_date,
                                               StudyPeriod.ends_on >= lesson.lesson_date)).first()
    return period.id if period else None


def lesson_cells(actor: Actor, request_id: int, lesson_id: int) -> LessonCells:
    """The lesson's cells for the request's administrator to choose from."""
    with reading() as tx:
        row = _request(tx, actor, request_id)
        lesson = _lesson(tx, row, lesson_id)
        period_id = _period_id(tx, lesson)
        teacher = tx.get(Staff, lesson.teacher_id) if lesson.teacher_id else None
    grid = journal.load_grid(actor, lesson.class_id, lesson.subject_id, period_id=period_id,
                             subgroup_id=lesson.subgroup_id, date_from=lesson.lesson_date, date_to=lesson.lesson_date)
    columns = [c for c in grid.columns if c.lesson_id == lesson.id]
    return LessonCells(lesson.id, lesson.lesson_date, grid.class_name, grid.subject_name, lesson.topic,
                       f"{teacher.last_name} {teacher.first_name}".strip() if teacher else "", columns, grid.pupils,
                       {k: v for k, v in grid.cells.items() if k[1] in {c.label for c in columns}})


def _close(tx: Session, actor: Actor, row: CorrectionRequest, comment: str, fix: dict, teacher_users: set[int],
           teacher_text: str, lesson_id: int) -> CorrectionRow:
    tz, hours = _settings(tx, row.school_id)
    now = clock.now()
    due = due_of(row.created_at, tz, hours)
    comment = comment[:RESOLUTION_MAX]
    row.status, row.resolved_at, row.resolved_by_user_id, row.resolution = "resolved", now, actor.user_id or None, comment
    tx.add(row)
    notices.notify(tx, row.reporter_user_id, "correction_done",
                   f"Ваша заявка № {row.id} «{row.what[:200]}»: {comment}", link=f"correction:{row.id}",
                   school_id=row.school_id)
    notices.notify(tx, teacher_users - {row.reporter_user_id}, "correction_fix", teacher_text,
                   link=f"lesson:{lesson_id}", school_id=row.school_id)
    audit.record(tx, actor, "correction.resolved", school_id=row.school_id, entity="correction_request",
                 entity_id=row.id, old={"status": "open"},
                 new={"status": "resolved", "resolution": comment, "due": due, "on_time": deadlines.on_time(now, due),
                      **fix})
    tx.flush()
    return _rows(tx, row.school_id, [row])[0]


def change_cell(actor: Actor, request_id: int, lesson_id: int, student_id: int, new_text: str, reason: str,
                work_id: int | None = None) -> CorrectionRow:
    """Change one cell (the pupil at the lesson: a mark, «Н», «Б», «У», «О 5», or empty) directly,
    past the edit window; the request is closed with the reason, the teacher and applicant told."""
    reason = _text(reason, 500, "Причина исправления", required=True)
    cells = lesson_cells(actor, request_id, lesson_id)   # the policy, the request still open
    column = next((c for c in cells.columns if (c.work_id == work_id if work_id is not None else c.first_of_lesson)),
                  None)
    if column is None:
        raise CorrectionError(f"У урока {cells.lesson_date:%d.%m.%Y} нет такой работы (столбца журнала).")
    pupil = next((p for p in cells.pupils if p.student_id == student_id), None)
    if pupil is None:
        raise CorrectionError(f"Ученик № {student_id} не числится в классе (группе) урока {cells.lesson_date:%d.%m.%Y}.")
    old = cells.cells.get((student_id, column.label), "")
    new_text = (new_text or "").strip()
    if new_text == old:
        raise CorrectionError(f"В клетке уже «{old or 'пусто'}»: исправлять нечего.")
    result = journal_save.save_correction(actor, CellChange(student_id, lesson_id, column.work_id, old, new_text),
                                          f"№ {request_id}: {reason}")
    if not result.ok or not result.committed:
        problems = result.errors + result.conflicts
        raise CorrectionError("Не исправлено: " + "; ".join(p.message for p in problems) if problems
                              else "Не исправлено.")
    where = f"{cells.class_name}, {cells.subject_name}, {cells.lesson_date:%d.%m.%Y}, {pupil.name}"
    with transaction() as tx:
        row = _request(tx, actor, request_id)
        return _close(tx, actor, row, f"данные исправлены администратором ({where}: было «{old or 'пусто'}», "
                                      f"стало «{new_text or 'пусто'}»). Причина: {reason}",
                      {"fix": "cell", "lesson_id": lesson_id, "student_id": student_id, "was": old, "now": new_text},
                      notices.lesson_teachers(tx, lesson_id),
                      f"Администратор исправил клетку вашего журнала по заявке № {request_id}: {where}: было "
                      f"«{old or 'пусто'}», стало «{new_text or 'пусто'}». Причина: {reason}", lesson_id)


def change_topic(actor: Actor, request_id: int, lesson_id: int, topic: str, reason: str) -> CorrectionRow:
    """Change a lesson's topic directly (audited as `lesson.changed` with the reason)."""
    reason = _text(reason, 500, "Причина исправления", required=True)
    topic = (topic or "").strip()
    if not topic:
        raise CorrectionError("Заполните поле «Тема урока».")
    if len(topic) > TOPIC_MAX:
        raise CorrectionError(f"Тема урока длиннее {TOPIC_MAX} символов.")
    with transaction() as tx:
        row = _request(tx, actor, request_id)
        lesson = _lesson(tx, row, lesson_id)
        journal.require_open_year(tx, {lesson.class_id})
        old = lesson.topic
        if old == topic:
            raise CorrectionError(f"Тема урока уже «{old}»: исправлять нечего.")
        lesson.topic, lesson.topic_entered_at, lesson.version = topic, clock.now(), lesson.version + 1
        tx.add(lesson)
        audit.record(tx, actor, "lesson.changed", school_id=lesson.school_id, entity="lesson", entity_id=lesson.id,
                     old={"topic": old}, new={"topic": topic},
                     detail=f"исправление по заявке № {request_id}: {reason}")
        where = f"урок {lesson.lesson_date:%d.%m.%Y}"
        return _close(tx, actor, row, f"тема урока исправлена администратором ({where}: было «{old or 'пусто'}», "
                                      f"стало «{topic}»). Причина: {reason}",
                      {"fix": "topic", "lesson_id": lesson.id, "was": old, "now": topic},
                      notices.lesson_teachers(tx, lesson.id),
                      f"Администратор исправил тему вашего урока по заявке № {request_id}: {where}: было "
                      f"«{old or 'пусто'}», стало «{topic}». Причина: {reason}", lesson.id)


def open_cell(actor: Actor, request_id: int, lesson_id: int, student_id: int, reason: str) -> CorrectionRow:
    """Open the pupil's mark cell at the lesson to the lesson's teacher for GRANT_HOURS hours."""
    reason = _text(reason, 500, "Причина", required=True)
    with transaction() as tx:
        row = _request(tx, actor, request_id)
        lesson = _lesson(tx, row, lesson_id)
        journal.require_open_year(tx, {lesson.class_id})
        if lesson.teacher_id is None:
            raise CorrectionError(f"У урока {lesson.lesson_date:%d.%m.%Y} не указан учитель: исправьте данные сами.")
        if targets.not_in_class(tx, lesson.class_id, [student_id]):
            raise CorrectionError(f"Ученик № {student_id} не числится в классе урока {lesson.lesson_date:%d.%m.%Y}.")
        now = clock.now()
        expires = opening_expires(now)
        tx.add(CellGrant(school_id=lesson.school_id, request_id=row.id, lesson_id=lesson.id, student_id=student_id,
                         staff_id=lesson.teacher_id, granted_by_user_id=actor.user_id or None, granted_at=now,
                         expires_at=expires, reason=reason))
        tz, _ = _settings(tx, row.school_id)
        until = clock.to_local(expires, tz).strftime("%d.%m.%Y %H:%M")
        teacher = tx.get(Staff, lesson.teacher_id)
        from models import Student, Subject
        pupil = tx.get(Student, student_id)
        subject = tx.get(Subject, lesson.subject_id)
        where = f"{subject.name if subject else ''}, {lesson.lesson_date:%d.%m.%Y}, {pupil.last_name} {pupil.first_name}"
        audit.record(tx, actor, "correction.cell_opened", school_id=lesson.school_id, entity="lesson",
                     entity_id=lesson.id, new={"student_id": student_id, "staff_id": lesson.teacher_id,
                                               "expires_at": expires, "request_id": row.id},
                     detail=f"заявка № {row.id}; {where}; до {until}; {reason}")
        return _close(tx, actor, row, f"клетка журнала ({where}) открыта учителю "
                                      f"{teacher.last_name} {teacher.first_name} для исправления до {until}. "
                                      f"Причина: {reason}",
                      {"fix": "cell_opened", "lesson_id": lesson.id, "student_id": student_id,
                       "expires_at": expires},
                      notices.staff_users(tx, [lesson.teacher_id]),
                      f"По заявке № {row.id} вам открыта для исправления клетка журнала: {where}. Отметку можно "
                      f"изменить до {until} ({GRANT_HOURS} ч), после этого клетка снова закрыта. Причина: {reason}",
                      lesson.id)
