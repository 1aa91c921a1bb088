"""One lesson's page of the journal (R-JRN-2): topic (offered from the КТП), works and their types,
homework, who did not do the previous homework, «урок проведён», attendance taken."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func
from sqlmodel import Session, select

from models import (
    Attachment, Attendance, Homework, HomeworkMiss, Lesson, LessonPlan, Mark, PlannedTopic, SchoolClass, SchoolSettings,
    Subject, Work, WorkType,
)
from models.db import reading, transaction
from services.comms import mail
from services.core import attachments, audit, clock, policy, targets
from services.core.actor import Actor
from services.core.attachments import AttachmentError, FileData, Upload
from services.journal.grid import closed_year
from services.rules import deadlines


class LessonError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class WorkInfo:
    id: int
    work_type_id: int
    work_type: str
    weight: float
    title: str
    marks: int


@dataclass(frozen=True)
class LessonDetail:
    id: int
    school_id: int
    class_name: str
    subject_name: str
    lesson_date: date
    lesson_number: int
    starts_at: time
    ends_at: time
    topic: str
    suggested_topic: str
    held: bool
    version: int
    works: tuple[WorkInfo, ...]
    homework_text: str
    homework_pages: str
    homework_tasks: str
    homework_minutes: int | None
    homework_file: str  # the attached file's name, or ""
    homework_due: datetime
    homework_entered_at: datetime | None
    homework_due_on: date | None  # the day it is due: as saved, else the next lesson of the subject
    no_homework: bool  # «Не задано»
    previous_homework_id: int | None
    previous_homework_text: str
    previous_misses: frozenset[int]
    editable: bool
    attendance_taken_at: datetime | None = None  # local time; None: not taken yet
    attendance_rows: int = 0  # pupils marked absent or late


@dataclass(frozen=True)
class WorkTypeInfo:
    id: int
    name: str
    weight: float
    checking_days: int
    is_default: bool


def work_types(school_id: int) -> list[WorkTypeInfo]:
    with reading() as tx:
        return [WorkTypeInfo(w.id, w.name, w.weight, w.checking_days, w.is_default) for w in tx.exec(
            select(WorkType).where(WorkType.school_id == school_id, WorkType.is_active.is_(True))
            .order_by(WorkType.is_default.desc(), WorkType.name)).all()]


def _suggest_topic(tx: Session, lesson: Lesson) -> str:
    """The next planned topic of the КТП that no earlier lesson of the class has taken."""
    plan = tx.exec(select(LessonPlan.id).where(
        LessonPlan.school_id == lesson.school_id, LessonPlan.subject_id == lesson.subject_id,
        (LessonPlan.class_id == lesson.class_id) | (LessonPlan.class_id.is_(None)))
        .order_by(LessonPlan.class_id.is_(None))).first()
    if plan is None:
        return ""
    done = tx.exec(select(func.count()).select_from(Lesson).where(
        Lesson.school_id == lesson.school_id, Lesson.class_id == lesson.class_id,
        Lesson.subject_id == lesson.subject_id, Lesson.topic != "",
        Lesson.lesson_date < lesson.lesson_date)).one()
    topic = tx.exec(select(PlannedTopic.topic).where(PlannedTopic.plan_id == plan)
                    .order_by(PlannedTopic.number).offset(done).limit(1)).first()
    return topic or ""


def detail(actor: Actor, lesson_id: int) -> LessonDetail:
    with reading() as tx:
        target = targets.for_lesson(tx, lesson_id)
        policy.require(actor, "journal.view", target)
        lesson = tx.get(Lesson, lesson_id)
        settings = tx.get(SchoolSettings, lesson.school_id) or SchoolSettings(school_id=lesson.school_id)
        tz = clock.zone(settings.timezone)
        cls = tx.get(SchoolClass, lesson.class_id)
        subject = tx.get(Subject, lesson.subject_id)
        rows = tx.exec(select(Work, WorkType, func.count(Mark.id))
                       .join(WorkType, WorkType.id == Work.work_type_id)
                       .join(Mark, Mark.work_id == Work.id, isouter=True)
                       .where(Work.lesson_id == lesson_id).group_by(Work.id, WorkType.id)
                       .order_by(Work.id)).all()
        works = tuple(WorkInfo(w.id, t.id, t.name, t.weight, w.title, n) for w, t, n in rows)
        hw = tx.exec(select(Homework).where(Homework.lesson_id == lesson_id)).first()
        old_hw = (hw.text, hw.pages, hw.tasks) if hw is not None else None
        old_due = hw.due_on if hw is not None else None
        file = tx.get(Attachment, hw.attachment_id) if hw is not None and hw.attachment_id else None
        prev = tx.exec(select(Lesson.id).where(
            Lesson.school_id == lesson.school_id, Lesson.class_id == lesson.class_id,
            Lesson.subject_id == lesson.subject_id,
            (Lesson.subgroup_id == lesson.subgroup_id) if lesson.subgroup_id else Lesson.subgroup_id.is_(None),
            (Lesson.lesson_date < lesson.lesson_date)
            | ((Lesson.lesson_date == lesson.lesson_date) & (Lesson.lesson_number < lesson.lesson_number)))
            .order_by(Lesson.lesson_date.desc(), Lesson.lesson_number.desc()).limit(1)).first()
        prev_hw = tx.exec(select(Homework).where(Homework.lesson_id == prev)).first() if prev else None
        misses = frozenset(tx.exec(select(HomeworkMiss.student_id).where(
            HomeworkMiss.homework_id == prev_hw.id)).all()) if prev_hw else frozenset()
        return LessonDetail(
            id=lesson.id, school_id=lesson.school_id, class_name=cls.name, subject_name=subject.name,
            lesson_date=lesson.lesson_date, lesson_number=lesson.lesson_number, starts_at=lesson.starts_at,
            ends_at=lesson.ends_at, topic=lesson.topic, suggested_topic="" if lesson.topic else _suggest_topic(tx, lesson),
            held=lesson.held, version=lesson.version, works=works,
            homework_text=hw.text if hw else "", homework_pages=hw.pages if hw else "",
            homework_tasks=hw.tasks if hw else "", homework_minutes=hw.minutes if hw else None,
            homework_file=file.name if file else "",
            homework_due=deadlines.homework_due(lesson.lesson_date, lesson.ends_at, tz,
                                                settings.homework_deadline_hours),
            homework_entered_at=clock.to_local(hw.entered_at, settings.timezone) if hw else None,
            homework_due_on=(hw.due_on if hw is not None and hw.due_on else next_lesson_day(tx, lesson)),
            no_homework=lesson.no_homework,
            previous_homework_id=prev_hw.id if prev_hw else None,
            previous_homework_text=prev_hw.text if prev_hw else "", previous_misses=misses,
            editable=policy.allowed(actor, "journal.edit", target),
            attendance_taken_at=(clock.to_local(lesson.attendance_taken_at, settings.timezone)
                                 if lesson.attendance_taken_at else None),
            attendance_rows=tx.exec(select(func.count()).select_from(Attendance).where(
                Attendance.school_id == lesson.school_id, Attendance.lesson_id == lesson_id)).one())


def save(actor: Actor, lesson_id: int, *, version: int, topic: str, held: bool, homework_text: str = "",
         homework_pages: str = "", homework_tasks: str = "", homework_minutes: int | None = None,
         previous_misses: frozenset[int] | None = None, homework_file: Upload | None = None,
         remove_file: bool = False, homework_due_on: date | None = None, no_homework: bool = False) -> int:
    """Save the lesson's topic, «проведён» and homework (with an optional file, checked like the
    files of messages: kind, content, ≤ 5 МБ) due on `homework_due_on` (by default the next lesson
    of the subject for the class or subgroup), or «Не задано»; returns the new version.
    A stale version (another tab saved first) is a conflict that overwrites nothing."""
    topic, homework_text = topic.strip(), homework_text.strip()
    if no_homework and (homework_text or homework_pages.strip() or homework_tasks.strip() or homework_file):
        raise LessonError("Отмечено «Не задано», но задание заполнено: уберите задание или снимите отметку.")
    if len(topic) > 500:
        raise LessonError("Тема урока длиннее 500 символов.")
    if len(homework_text) > 2000:
        raise LessonError("Текст домашнего задания длиннее 2000 символов.")
    if homework_minutes is not None and not 0 <= homework_minutes <= 240:
        raise LessonError("Время на домашнее задание — от 0 до 240 минут.")
    try:
        attachments.check(homework_file)  # before anything is written
    except AttachmentError as error:
        raise LessonError(f"Файл к домашнему заданию не принят: {error}") from error
    now = clock.now()
    with transaction() as tx:
        lesson = _editable(tx, actor, lesson_id)
        if lesson.version != version:
            raise LessonError("Урок уже изменили в другом окне или другой учитель. Обновите страницу.")
        old = {"topic": lesson.topic, "held": lesson.held}
        if topic != lesson.topic:
            lesson.topic = topic
            lesson.topic_entered_at = now if topic else None
        lesson.held = held
        lesson.version += 1
        hw = tx.exec(select(Homework).where(Homework.lesson_id == lesson_id)).first()
        old_hw = (hw.text, hw.pages, hw.tasks) if hw is not None else None
        old_due = hw.due_on if hw is not None else None
        if no_homework and hw is not None and hw.attachment_id and not remove_file:
            raise LessonError("Отмечено «Не задано», но к уроку приложен файл задания: уберите его.")
        old["no_homework"] = lesson.no_homework
        lesson.no_homework = no_homework
        tx.add(lesson)
        new_hw = (homework_text, homework_pages.strip(), homework_tasks.strip(), homework_minutes)
        due_on = _due_on(tx, lesson, homework_due_on) if any(new_hw[:3]) or homework_file is not None else None
        if hw is None and (any(new_hw[:3]) or homework_file is not None):
            hw = Homework(school_id=lesson.school_id, lesson_id=lesson_id, text=new_hw[0], pages=new_hw[1],
                          tasks=new_hw[2], minutes=new_hw[3], due_on=due_on, entered_at=now,
                          entered_by_user_id=actor.user_id)
            tx.add(hw)
        elif hw is not None and ((hw.text, hw.pages, hw.tasks, hw.minutes) != new_hw
                                 or (due_on is not None and hw.due_on != due_on)):
            hw.text, hw.pages, hw.tasks, hw.minutes = new_hw
            hw.due_on = due_on or hw.due_on
            hw.version += 1
            tx.add(hw)
        old_file = hw.attachment_id if hw is not None else None
        if hw is not None and homework_file is not None:
            hw.attachment_id = attachments.store(tx, lesson.school_id, actor, homework_file).id
            hw.version += 1
            tx.add(hw)
        elif hw is not None and remove_file and hw.attachment_id is not None:
            hw.attachment_id = None
            hw.version += 1
            tx.add(hw)
        if old_file is not None and hw.attachment_id != old_file:
            replaced = tx.get(Attachment, old_file)
            if replaced is not None:
                tx.flush()  # the homework lets go of the file before it goes
                tx.delete(replaced)
        if hw is not None and (hw.id is None or (hw.text, hw.pages, hw.tasks) != old_hw or homework_file is not None
                               or hw.due_on != old_due):  # set or changed: letters to subscribed families
            parts = [hw.text, hw.pages if not hw.pages or hw.pages.startswith("стр") else f"стр. {hw.pages}",
                     hw.tasks if not hw.tasks or hw.tasks.startswith("№") else f"№ {hw.tasks}"]
            mail.homework_set(tx, lesson, "; ".join(p for p in parts if p), hw.due_on,
                              homework_file.name if homework_file is not None else None)
        if previous_misses is not None:
            _set_misses(tx, actor, lesson, previous_misses, now)
        audit.record(tx, actor, "lesson.changed", school_id=lesson.school_id, entity="lesson", entity_id=lesson_id,
                     old=old, new={"topic": topic, "held": held, "homework": homework_text,
                                   "no_homework": no_homework,
                                   **({"due_on": hw.due_on.isoformat()} if hw is not None and hw.due_on else {}),
                                   **({"file": homework_file.name} if homework_file is not None else {}),
                                   **({"file": None} if remove_file and homework_file is None else {})})
        return lesson.version


def _editable(tx: Session, actor: Actor, lesson_id: int) -> Lesson:
    """The lesson, once the policy lets the actor fill it and its school year is not closed."""
    policy.require(actor, "journal.edit", targets.for_lesson(tx, lesson_id))
    lesson = tx.get(Lesson, lesson_id)
    closed = closed_year(tx, {lesson.class_id})
    if closed:
        raise LessonError(closed)
    return lesson


def next_lesson_day(tx: Session, lesson: Lesson) -> date | None:
    """The day of the next lesson of the subject for the lesson's class (or subgroup: its own
    lessons and the whole class's), after the lesson's day; None when the timetable has none."""
    group = ((Lesson.subgroup_id == lesson.subgroup_id) | Lesson.subgroup_id.is_(None)) if lesson.subgroup_id \
        else Lesson.subgroup_id.is_(None)
    return tx.exec(select(func.min(Lesson.lesson_date)).where(
        Lesson.school_id == lesson.school_id, Lesson.class_id == lesson.class_id,
        Lesson.subject_id == lesson.subject_id, group, Lesson.status == "scheduled",
        Lesson.lesson_date > lesson.lesson_date)).one()


def _due_on(tx: Session, lesson: Lesson, chosen: date | None) -> date | None:
    if chosen is None:
        return next_lesson_day(tx, lesson)
    if chosen <= lesson.lesson_date:
        raise LessonError(f"Срок выполнения задания ({chosen:%d.%m.%Y}) должен быть позже дня урока "
                          f"({lesson.lesson_date:%d.%m.%Y}).")
    if (chosen - lesson.lesson_date).days > 60:
        raise LessonError(f"Срок выполнения задания ({chosen:%d.%m.%Y}) — не позже чем через 60 дней после урока.")
    return chosen


def homework_file(actor: Actor, lesson_id: int) -> FileData | None:
    """The file attached to the lesson's homework, for those who may read the lesson's journal."""
    with reading() as tx:
        policy.require(actor, "journal.view", targets.for_lesson(tx, lesson_id))
        hw = tx.exec(select(Homework).where(Homework.lesson_id == lesson_id)).first()
        old_hw = (hw.text, hw.pages, hw.tasks) if hw is not None else None
        old_due = hw.due_on if hw is not None else None
        return attachments.read(tx, hw.attachment_id) if hw is not None and hw.attachment_id else None


def _set_misses(tx: Session, actor: Actor, lesson: Lesson, student_ids: frozenset[int], now: datetime) -> None:
    prev = tx.exec(select(Lesson.id).where(
        Lesson.school_id == lesson.school_id, Lesson.class_id == lesson.class_id,
        Lesson.subject_id == lesson.subject_id, Lesson.lesson_date < lesson.lesson_date)
        .order_by(Lesson.lesson_date.desc(), Lesson.lesson_number.desc()).limit(1)).first()
    hw = tx.exec(select(Homework).where(Homework.lesson_id == prev)).first() if prev else None
    targets.require_pupils_of(tx, actor, "journal.edit", targets.for_lesson(tx, lesson.id), student_ids)
    if hw is None:
        if student_ids:
            raise LessonError("На прошлом уроке не было домашнего задания.")
        return
    existing = {m.student_id: m for m in tx.exec(select(HomeworkMiss).where(HomeworkMiss.homework_id == hw.id)).all()}
    for sid, miss in existing.items():
        if sid not in student_ids:
            tx.delete(miss)
    for sid in student_ids - existing.keys():
        tx.add(HomeworkMiss(school_id=lesson.school_id, homework_id=hw.id, student_id=sid, entered_at=now))


def add_work(actor: Actor, lesson_id: int, work_type_id: int, title: str = "") -> int:
    with transaction() as tx:
        lesson = _editable(tx, actor, lesson_id)
        wt = tx.get(WorkType, work_type_id)
        if wt is None or wt.school_id != lesson.school_id:
            raise LessonError("Такого вида работы в школе нет.")
        has_default = tx.exec(select(Work.id).where(Work.lesson_id == lesson_id)).first() is not None
        if not has_default:  # the lesson's own column comes first
            default = tx.exec(select(WorkType).where(WorkType.school_id == lesson.school_id,
                                                     WorkType.is_default.is_(True))).first()
            if default is not None and default.id != wt.id:
                tx.add(Work(school_id=lesson.school_id, lesson_id=lesson_id, work_type_id=default.id,
                            created_at=clock.now()))
                tx.flush()
        work = Work(school_id=lesson.school_id, lesson_id=lesson_id, work_type_id=wt.id, title=title.strip()[:200],
                    created_at=clock.now())
        tx.add(work)
        tx.flush()
        audit.record(tx, actor, "work.added", school_id=lesson.school_id, entity="work", entity_id=work.id,
                     new={"lesson_id": lesson_id, "work_type": wt.name})
        return work.id


def change_work_type(actor: Actor, work_id: int, work_type_id: int) -> None:
    with transaction() as tx:
        work = tx.get(Work, work_id)
        if work is None:
            raise LessonError("Работа не найдена.")
        policy.require(actor, "journal.edit", targets.for_lesson(tx, work.lesson_id))
        wt = tx.get(WorkType, work_type_id)
        if wt is None or wt.school_id != work.school_id:
            raise LessonError("Такого вида работы в школе нет.")
        old = work.work_type_id
        work.work_type_id = wt.id
        tx.add(work)
        audit.record(tx, actor, "work.changed", school_id=work.school_id, entity="work", entity_id=work_id,
                     old={"work_type_id": old}, new={"work_type_id": wt.id})


def remove_work(actor: Actor, work_id: int) -> None:
    with transaction() as tx:
        work = tx.get(Work, work_id)
        if work is None:
            raise LessonError("Работа не найдена.")
        policy.require(actor, "journal.edit", targets.for_lesson(tx, work.lesson_id))
        if tx.exec(select(Mark.id).where(Mark.work_id == work_id)).first() is not None:
            raise LessonError("По этой работе уже есть отметки: сначала удалите их в журнале.")
        tx.delete(work)
        audit.record(tx, actor, "work.removed", school_id=work.school_id, entity="work", entity_id=work_id)


def all_present(actor: Actor, lesson_id: int) -> datetime:
    """«Все присутствуют»: record that attendance was taken at a lesson where nobody was absent,
    so that the to-do and the control plan stop reporting it. Refused when some pupil is marked
    absent (the journal holds the truth then). Returns when attendance counts as taken."""
    now = clock.now()
    with transaction() as tx:
        lesson = _editable(tx, actor, lesson_id)
        if lesson.status != "scheduled":
            raise LessonError("Урок отменён или перенесён: посещаемость на нём не отмечается.")
        if clock.to_local(now, _timezone(tx, lesson.school_id)).date() < lesson.lesson_date:
            raise LessonError(f"Урок {lesson.lesson_date:%d.%m.%Y} ещё не прошёл: отметить посещаемость нельзя.")
        absent = tx.exec(select(func.count()).select_from(Attendance).where(
            Attendance.school_id == lesson.school_id, Attendance.lesson_id == lesson_id)).one()
        if absent:
            raise LessonError(f"На уроке {lesson.lesson_date:%d.%m.%Y} уже отмечены отсутствующие или опоздавшие "
                              f"({absent}): «Все присутствуют» не ставится. Исправьте посещаемость в журнале.")
        if lesson.attendance_taken_at is not None:
            return lesson.attendance_taken_at
        lesson.attendance_taken_at = now
        tx.add(lesson)
        audit.record(tx, actor, "attendance.all_present", school_id=lesson.school_id, entity="lesson",
                     entity_id=lesson_id, new={"attendance_taken_at": now.isoformat()},
                     detail=f"lesson={lesson_id}; date={lesson.lesson_date}; class={lesson.class_id}")
        return now


def _timezone(tx: Session, school_id: int) -> str | None:
    settings = tx.get(SchoolSettings, school_id)
    return settings.timezone if settings else None
