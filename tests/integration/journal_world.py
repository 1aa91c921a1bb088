"""A small school for journal tests: class 5А, Математика (teacher «math») and Русский язык
(teacher «rus»), the second quarter, work types, and pupils who arrive and leave mid-period.

Lessons of Математика: 10, 12, 17, 19 November 2026 (lesson 2, 09:25–10:10);
Русский язык: 10, 11 November. Pupils: Алексеев (all along), Борисова (all along),
Васильев (left after 12 November), Григорьева (arrived 17 November).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from models import (
    AcademicYear, CurriculumItem, Enrollment, Guardian, Lesson, Municipality, RoleGrant, School,
    SchoolClass, SchoolSettings, Staff, Student, StudentGuardian, StudyPeriod, Subject,
    TeachingAssignment, User, WorkType,
)
from models.db import transaction
from services.core import passwords

T = datetime(2026, 11, 1, tzinfo=timezone.utc)
PASSWORD = "Secret-pass1"


@dataclass
class JW:
    school_id: int
    class_id: int
    math: int
    rus: int
    period_id: int
    users: dict
    staff: dict
    pupils: dict
    lessons: dict  # ("math", date) → lesson id
    work_types: dict


def build(edit_window: str = "never") -> JW:
    h = passwords.hash_password(PASSWORD)
    with transaction() as tx:
        m = Municipality(name="Округ")
        tx.add(m)
        tx.flush()
        s = School(municipality_id=m.id, name="Школа", short_name="Школа")
        tx.add(s)
        tx.flush()
        tx.add(SchoolSettings(school_id=s.id, edit_window=edit_window))
        y = AcademicYear(school_id=s.id, start_year=2026, starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31))
        tx.add(y)
        tx.flush()
        q1 = StudyPeriod(school_id=s.id, year_id=y.id, kind="quarter", number=1, name="1 четверть",
                         starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 25))
        q2 = StudyPeriod(school_id=s.id, year_id=y.id, kind="quarter", number=2, name="2 четверть",
                         starts_on=date(2026, 11, 5), ends_on=date(2026, 12, 28))
        tx.add_all([q1, q2])
        c = SchoolClass(school_id=s.id, year_id=y.id, grade=5, letter="А", name="5А")
        tx.add(c)
        tx.flush()
        subjects = {}
        for key, name in (("math", "Математика"), ("rus", "Русский язык")):
            subj = Subject(school_id=s.id, name=name)
            tx.add(subj)
            tx.flush()
            subjects[key] = subj.id
            tx.add(CurriculumItem(school_id=s.id, class_id=c.id, subject_id=subj.id, hours_per_week=5))
        wts = {}
        for name, weight, days, default, test in (("Работа на уроке", 1.0, 0, True, False),
                                                  ("Контрольная работа", 2.0, 3, False, True)):
            wt = WorkType(school_id=s.id, name=name, weight=weight, checking_days=days, is_default=default,
                          is_test=test)
            tx.add(wt)
            tx.flush()
            wts[name] = wt.id
        users, staff = {}, {}

        def user(login, role, **scope):
            u = User(login=login, password_hash=h, last_name=login.capitalize(), first_name="Т",
                     email=f"{login}@example.test", created_at=T)
            tx.add(u)
            tx.flush()
            tx.add(RoleGrant(user_id=u.id, role=role, school_id=s.id, granted_at=T, **scope))
            users[login] = u.id
            return u.id

        for key in ("math", "rus"):
            uid = user(key, "teacher")
            st = Staff(school_id=s.id, user_id=uid, last_name=key, first_name="Учитель")
            tx.add(st)
            tx.flush()
            staff[key] = st.id
            tx.add(TeachingAssignment(school_id=s.id, class_id=c.id, subject_id=subjects[key], teacher_id=st.id))
        user("ct", "class_teacher", class_id=c.id)
        pupils = {}
        for last, first, start, end in (("Алексеев", "Антон", date(2026, 9, 1), None),
                                        ("Борисова", "Бэлла", date(2026, 9, 1), None),
                                        ("Васильев", "Виктор", date(2026, 9, 1), date(2026, 11, 12)),
                                        ("Григорьева", "Галина", date(2026, 11, 17), None)):
            p = Student(school_id=s.id, last_name=last, first_name=first, created_at=T)
            tx.add(p)
            tx.flush()
            pupils[last] = p.id
            tx.add(Enrollment(school_id=s.id, student_id=p.id, class_id=c.id, starts_on=start, ends_on=end))
        puid = user("parent", "parent")
        g = Guardian(school_id=s.id, user_id=puid, last_name="Алексеева", first_name="Анна")
        tx.add(g)
        tx.flush()
        tx.add(StudentGuardian(school_id=s.id, student_id=pupils["Алексеев"], guardian_id=g.id))
        lessons = {}
        for key, days in (("math", (10, 12, 17, 19)), ("rus", (10, 11))):
            for d in days:
                day = date(2026, 11, d)
                les = Lesson(school_id=s.id, class_id=c.id, subject_id=subjects[key], teacher_id=staff[key],
                             period_id=q2.id, lesson_date=day, lesson_number=2 if key == "math" else 3,
                             starts_at=time(9, 25) if key == "math" else time(10, 20),
                             ends_at=time(10, 10) if key == "math" else time(11, 5))
                tx.add(les)
                tx.flush()
                lessons[(key, day)] = les.id
        return JW(s.id, c.id, subjects["math"], subjects["rus"], q2.id, users, staff, pupils, lessons, wts)
