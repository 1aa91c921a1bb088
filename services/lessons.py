"""One lesson's page of the journal: topic (offered from the КТП), works and their types,
homework, who did not do the previous homework, «урок проведён», attendance taken."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func
from sqlmodel import Session, select

from models import (
    Attachment, Homework, HomeworkMiss, Lesson, LessonPlan, Mark, PlannedTopic, SchoolClass, SchoolSettings,
    Subject, Work, WorkType,
)
from models.db import reading, transaction
from services import attachments, audit, clock, policy, targets
from services.actor import Actor
from services.attachments import AttachmentError, FileData, Upload
from services.journal import closed_year
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
    previous_homework_id: int | None
    previous_homework_text: str
    previous_misses: frozenset[int]
    editable: bool


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
            previous_homework_id=prev_hw.id if prev_hw else None,
            previous_homework_text=prev_hw.text if prev_hw else "", previous_misses=misses,
            editable=policy.allowed(actor, "journal.edit", target))


def save(actor: Actor, lesson_id: int, *, version: int, topic: str, held: bool, homework_text: str = "",
         homework_pages: str = "", homework_tasks: str = "", homework_minutes: int | None = None,
         previous_misses: frozenset[int] | None = None, homework_file: Upload | None = None,
         remove_file: bool = False) -> int:
    """Save the lesson's topic, «проведён» and homework (with an optional file, checked like the
    files of messages: kind, content, ≤ 5 МБ); returns the new version.
    A stale version (another tab saved first) is a conflict that overwrites nothing."""
    topic, homework_text = topic.strip(), homework_text.strip()
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
        policy.require(actor, "journal.edit", targets.for_lesson(tx, lesson_id))
        lesson = tx.get(Lesson, lesson_id)
        closed = closed_year(tx, {lesson.class_id})
        if closed:
            raise LessonError(closed)
        if lesson.version != version:
            raise LessonError("Урок уже изменили в другом окне или другой учитель. Обновите страницу.")
        old = {"topic": lesson.topic, "held": lesson.held}
        if topic != lesson.topic:
            lesson.topic = topic
            lesson.topic_entered_at = now if topic else None
        lesson.held = held
        lesson.version += 1
        tx.add(lesson)
        hw = tx.exec(select(Homework).where(Homework.lesson_id == lesson_id)).first()
        new_hw = (homework_text, homework_pages.strip(), homework_tasks.strip(), homework_minutes)
        if hw is None and (any(new_hw[:3]) or homework_file is not None):
            hw = Homework(school_id=lesson.school_id, lesson_id=lesson_id, text=new_hw[0], pages=new_hw[1],
                          tasks=new_hw[2], minutes=new_hw[3], entered_at=now, entered_by_user_id=actor.user_id)
            tx.add(hw)
        elif hw is not None and (hw.text, hw.pages, hw.tasks, hw.minutes) != new_hw:
            hw.text, hw.pages, hw.tasks, hw.minutes = new_hw
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
        if previous_misses is not None:
            _set_misses(tx, actor, lesson, previous_misses, now)
        audit.record(tx, actor, "lesson.changed", school_id=lesson.school_id, entity="lesson", entity_id=lesson_id,
                     old=old, new={"topic": topic, "held": held, "homework": homework_text,
                                   **({"file": homework_file.name} if homework_file is not None else {}),
                                   **({"file": None} if remove_file and homework_file is None else {})})
        return lesson.version


def homework_file(actor: Actor, lesson_id: int) -> FileData | None:
    """The file attached to the lesson's homework, for those who may read the lesson's journal."""
    with reading() as tx:
        policy.require(actor, "journal.view", targets.for_lesson(tx, lesson_id))
        hw = tx.exec(select(Homework).where(Homework.lesson_id == lesson_id)).first()
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
        policy.require(actor, "journal.edit", targets.for_lesson(tx, lesson_id))
        lesson = tx.get(Lesson, lesson_id)
        closed = closed_year(tx, {lesson.class_id})
        if closed:
            raise LessonError(closed)
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
