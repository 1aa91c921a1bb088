"""«Первая неделя»: what a new school still has to set up before it can teach, line by line.

Each line says whether it is done or what exactly is missing, and names the screen that fixes it
(`page`, an address of ui/web.PAGES) and the command where there is one. «The documents
of 4.7» are read as the school's regulations and instructions published on «Документы» for
teachers, parents and pupils (an «all» audience covers the three). The same list is
`manage.py status --school ID [--json]`. Everything is counted in the current school year
(services/people/rosters.current_year: the year containing today, else the nearest open one).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, select

from models import (
    BellSchedule, CredentialIssue, School, CurriculumItem, Document, Enrollment, Guardian, Holiday, Lesson, RoleGrant,
    SchoolClass, Staff, Student, StudentGuardian, StudyPeriod, Subgroup, Subject, TeachingAssignment, TimetableSlot,
    WorkType,
)
from models.db import reading
from services.core import clock, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.people.rosters import current_year

AUDIENCES = {"staff": "учителей", "guardians": "родителей", "pupils": "учеников"}


@dataclass(frozen=True)
class Line:
    key: str
    title: str
    done: bool
    detail: str        # what is there, or exactly what is missing
    page: str          # the screen that fixes it (an address of ui/web.PAGES)
    command: str = ""  # the manage.py command, where there is one

    def as_json(self) -> dict:
        return asdict(self)


def _names(names, limit: int = 5) -> str:
    names = sorted(names)
    return ", ".join(names[:limit]) + (f" и ещё {len(names) - limit}" if len(names) > limit else "")


class SetupStatusError(ValueError):
    pass


def checklist(actor: Actor, school_id: int) -> list[Line]:
    with reading() as tx:
        policy.require(actor, "setup.view", school_target(tx, school_id, entity="school", entity_id=school_id))
        if tx.get(School, school_id) is None:
            raise SetupStatusError(f"Школы с номером {school_id} нет.")
        return _checklist(tx, school_id)


def _count(tx: Session, stmt) -> int:
    return tx.exec(stmt).one() or 0


def _checklist(tx: Session, school_id: int) -> list[Line]:
    year = current_year(tx, school_id)
    lines: list[Line] = []
    add = lines.append
    cmd = f"--school {school_id}"
    # the calendar and holidays
    if year is None:
        add(Line("calendar", "Учебный год, периоды и каникулы", False, "Учебный год не открыт.", "school-year",
                 f"manage.py create-year {cmd} --year ГГГГ"))
        periods = holidays = 0
    else:
        periods = _count(tx, select(func.count()).select_from(StudyPeriod).where(StudyPeriod.year_id == year.id))
        holidays = _count(tx, select(func.count()).select_from(Holiday).where(Holiday.year_id == year.id))
        missing = [w for w, n in (("учебных периодов", periods), ("каникул и праздников", holidays)) if not n]
        add(Line("calendar", "Учебный год, периоды и каникулы", not missing,
                 f"{year.start_year}/{year.start_year + 1}: периодов {periods}, каникул и праздников {holidays}."
                 if not missing else f"{year.start_year}/{year.start_year + 1}: нет " + " и ".join(missing) + ".",
                 "school-year", f"manage.py public-holidays {cmd} --year {year.start_year}" if year else ""))
    bells = _count(tx, select(func.count()).select_from(BellSchedule).where(BellSchedule.school_id == school_id))
    add(Line("bells", "Расписание звонков", bells > 0, f"Уроков в расписании звонков: {bells}." if bells
             else "Звонки не заданы: уроки не получат времени начала и конца.", "school-year",
             f"manage.py bells {cmd} 08:30-09:15 09:25-10:10 10:30-11:15 …"))
    staff = _count(tx, select(func.count()).select_from(Staff).where(Staff.school_id == school_id))
    teachers = _count(tx, select(func.count(func.distinct(RoleGrant.user_id))).where(
        RoleGrant.school_id == school_id, RoleGrant.role == "teacher", RoleGrant.revoked_at.is_(None)))
    add(Line("staff", "Сотрудники", staff > 0 and teachers > 0,
             f"Сотрудников {staff}, из них с ролью учителя {teachers}." if staff and teachers
             else ("Сотрудники не загружены." if not staff else "Ни у кого нет роли учителя."),
             "import", f"manage.py import staff сотрудники.xlsx {cmd}"))
    classes = tx.exec(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                SchoolClass.year_id == (year.id if year else -1))).all()
    class_ids = [c.id for c in classes]
    names = {c.id: c.name for c in classes}
    on = min(clock.today(), year.ends_on) if year else clock.today()
    enrolled = set(tx.exec(select(Enrollment.student_id).where(
        Enrollment.school_id == school_id, Enrollment.class_id.in_(class_ids or [-1]),
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= on))).all())
    with_guardian = set(tx.exec(select(StudentGuardian.student_id).where(
        StudentGuardian.school_id == school_id, StudentGuardian.student_id.in_(enrolled or {-1}))).all())
    no_guardian = len(enrolled - with_guardian)
    add(Line("pupils", "Ученики и родители", bool(enrolled) and not no_guardian,
             f"Учеников {len(enrolled)}, все с родителями." if enrolled and not no_guardian
             else ("Ученики не загружены." if not enrolled else f"Учеников {len(enrolled)}; без родителей: {no_guardian}."),
             "import", f"manage.py import pupils ученики.xlsx {cmd}"))
    led = set(tx.exec(select(RoleGrant.class_id).where(
        RoleGrant.school_id == school_id, RoleGrant.role == "class_teacher", RoleGrant.revoked_at.is_(None),
        RoleGrant.class_id.in_(class_ids or [-1]))).all())
    no_teacher = [names[c] for c in class_ids if c not in led]
    add(Line("classes", "Классы и классные руководители", bool(classes) and not no_teacher,
             f"Классов {len(classes)}, у всех есть классный руководитель." if classes and not no_teacher
             else ("Классов нет в текущем учебном году." if not classes
                   else "Без классного руководителя: " + _names(no_teacher) + "."),
             "users", f"manage.py grant --login ЛОГИН --role class_teacher {cmd} --class-id ID"))
    items = tx.exec(select(CurriculumItem).where(CurriculumItem.class_id.in_(class_ids or [-1]))).all()
    no_plan = [names[c] for c in class_ids if c not in {i.class_id for i in items}]
    add(Line("curriculum", "Учебный план", bool(classes) and not no_plan,
             f"Предметов в планах классов: {len(items)}." if classes and not no_plan
             else ("Нет классов." if not classes else "Нет учебного плана: " + _names(no_plan) + "."),
             "curriculum", f"manage.py curriculum {cmd} --class 5А --subject Математика --hours 5"))
    types = tx.exec(select(WorkType).where(WorkType.school_id == school_id, WorkType.is_active.is_(True))).all()
    default = next((t.name for t in types if t.is_default), None)
    add(Line("work_types", "Виды работ", default is not None,
             f"Видов работ {len(types)}, по умолчанию «{default}»." if default
             else ("Видов работ нет." if not types else "Не выбран вид работы по умолчанию."),
             "work-types", f"manage.py work-types standard-set {cmd}"))
    subjects = dict(tx.exec(select(Subject.id, Subject.name).where(Subject.school_id == school_id)).all())
    assigned = {(a.class_id, a.subject_id) for a in tx.exec(select(TeachingAssignment).where(
        TeachingAssignment.class_id.in_(class_ids or [-1]))).all()}
    no_teacher_items = [i for i in items if (i.class_id, i.subject_id) not in assigned]
    add(Line("load", "Нагрузка учителей", bool(items) and not no_teacher_items,
             f"Назначено учителей на предметы: {len(assigned)}." if items and not no_teacher_items
             else ("Сначала учебный план." if not items else f"Предметов без учителя: {len(no_teacher_items)} ("
                   + _names({f"{names[i.class_id]} {subjects.get(i.subject_id, '')}" for i in no_teacher_items}, 3)
                   + ")."),
             "curriculum", f"manage.py assign {cmd} --class 5А --subject Математика --teacher ЛОГИН"))
    split = {(i.class_id, i.subject_id) for i in items if i.split}
    grouped = {(g.class_id, g.subject_id) for g in tx.exec(select(Subgroup).where(
        Subgroup.class_id.in_(class_ids or [-1]))).all()}
    ungrouped = split - grouped
    add(Line("subgroups", "Подгруппы", bool(items) and not ungrouped,
             "Сначала учебный план." if not items else
             "Не нужны: в учебном плане нет предметов с делением на подгруппы." if not split else
             f"Предметов с делением на подгруппы: {len(split)}, все разделены." if not ungrouped
             else f"Не разделены на подгруппы: {len(ungrouped)} (" + _names({names[c] for c, _ in ungrouped}, 3) + ").",
             "subgroups"))
    with_slots = set(tx.exec(select(TimetableSlot.class_id).where(TimetableSlot.class_id.in_(class_ids or [-1]))
                             .distinct()).all())
    no_slots = [names[c] for c in class_ids if c not in with_slots]
    add(Line("timetable", "Расписание", bool(classes) and not no_slots,
             f"Расписание есть у всех классов ({len(with_slots)})." if classes and not no_slots
             else ("Нет классов." if not classes else "Нет расписания: " + _names(no_slots) + "."),
             "timetable-editor", f"manage.py import-timetable расписание.xlsx {cmd}"))
    with_lessons = set(tx.exec(select(Lesson.class_id).where(Lesson.class_id.in_(class_ids or [-1])).distinct()).all())
    no_lessons = [names[c] for c in class_ids if c in with_slots and c not in with_lessons]
    add(Line("lessons", "Уроки созданы из расписания", bool(with_lessons) and not no_lessons,
             f"Уроки созданы у классов: {len(with_lessons)}." if with_lessons and not no_lessons
             else ("Сначала расписание." if not with_slots else "Нет уроков: " + _names(no_lessons) + "."),
             "timetable-lessons", f"manage.py generate-lessons {cmd}"))
    lines.append(_credentials(tx, school_id, enrolled))
    lines.append(_documents(tx, school_id))
    return lines


def _credentials(tx: Session, school_id: int, enrolled: set[int]) -> Line:
    staff_users = set(tx.exec(select(Staff.user_id).where(Staff.school_id == school_id, Staff.user_id.is_not(None)))
                      .all())
    pupil_users = {u for u in tx.exec(select(Student.user_id).where(Student.id.in_(enrolled or {-1}))).all()}
    guardian_users = set(tx.exec(select(Guardian.user_id).join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
                                 .where(StudentGuardian.student_id.in_(enrolled or {-1}))).all())
    handed = set(tx.exec(select(CredentialIssue.user_id).where(CredentialIssue.school_id == school_id).distinct()).all())
    missing = {"сотрудникам": len({u for u in staff_users if u not in handed}),
               "ученикам": len(enrolled) - len({u for u in pupil_users if u and u in handed}),
               "родителям": len({u for u in guardian_users if u not in handed})}
    people = len(staff_users) + len(enrolled) + len(guardian_users)
    done = people > 0 and not any(missing.values())
    return Line("credentials", "Выданы реквизиты входа", done,
                f"Реквизиты выданы всем ({people})." if done else
                ("Некому выдавать: нет сотрудников и учеников." if not people else
                 "Не выданы: " + ", ".join(f"{who} {n}" for who, n in missing.items() if n) + "."),
                "credentials", f"manage.py issue-credentials --school {school_id} --out реквизиты.pdf")


def _documents(tx: Session, school_id: int) -> Line:
    published = set(tx.exec(select(Document.audience).where(
        or_(Document.school_id == school_id, Document.school_id.is_(None) & Document.municipality_id.is_(None)),
        Document.kind == "document", Document.is_published.is_(True))).all())  # the school's own (issue 19)
    missing = [title for aud, title in AUDIENCES.items() if aud not in published and "all" not in published]
    return Line("documents", "Документы для учителей, родителей и учеников", not missing,
                "Опубликованы положения и инструкции для всех." if not missing
                else "Не опубликованы документы для " + ", ".join(missing) + ". Публикуют администратор сайта "
                "и редактор (роль выдаётся на «Пользователи и роли»).", "documents")


def summary(lines: list[Line]) -> str:
    done = sum(1 for line in lines if line.done)
    return f"Готово {done} из {len(lines)}."
