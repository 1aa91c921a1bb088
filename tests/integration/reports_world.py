"""A small school for the report tests: 5А and 5Б of 2026/2027, the second quarter.

Subjects: Математика, Русский язык, Физическая культура (Григорьева is exempt: «осв»),
Проектная деятельность («Без аттестации»). Work types: «Работа на уроке» (weight 1),
«Контрольная работа» (weight 2).

Pupils: Алексеев, Борисова (a double mark «5/4»), Григорьева (PE «осв») in 5А all along;
Васильев in 5А until 12 November 2026, then in 5Б from 13 November; Дмитриев in 5Б all along;
Егорова in 5А from 17 November (arrived).

Lessons (all held): Математика 5А — 10, 12 (контрольная), 17, 19 Nov; 5Б — 10, 13, 17 Nov.
Русский язык 5А — 10, 11, 17 Nov; 5Б — 11, 18 Nov. Физкультура 5А — 11, 18 Nov (and a cancelled
lesson on 16 Nov). Проектная деятельность 5А — 12, 19 Nov.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from models import (
    AcademicYear, Attendance, CurriculumItem, Enrollment, Guardian, Lesson, Mark, Municipality, PeriodMark,
    RoleGrant, School, SchoolClass, SchoolSettings, Staff, Student, StudentGuardian, StudyPeriod, Subject,
    TeachingAssignment, User, Work, WorkType,
)
from models.db import reading, transaction
from services.core import auth, passwords

T = datetime(2026, 9, 1, 6, 0, tzinfo=timezone.utc)
PASSWORD = "Secret-pass1"
NOV = lambda d: date(2026, 11, d)  # noqa: E731


@dataclass
class RW:
    school_id: int
    year_id: int
    q1: int
    q2: int
    classes: dict[str, int]
    subjects: dict[str, int]
    users: dict[str, int]
    staff: dict[str, int]
    pupils: dict[str, int]
    lessons: dict[tuple[str, str, int], int] = field(default_factory=dict)  # (class, subject key, day) → id
    work_types: dict[str, int] = field(default_factory=dict)


SUBJECTS = (("math", "Математика", False), ("rus", "Русский язык", False), ("pe", "Физическая культура", False),
            ("proj", "Проектная деятельность", True))
LESSONS = {("5А", "math"): (10, 12, 17, 19), ("5Б", "math"): (10, 13, 17), ("5А", "rus"): (10, 11, 17),
           ("5Б", "rus"): (11, 18), ("5А", "pe"): (11, 18), ("5А", "proj"): (12, 19)}
NUMBER = {"math": 2, "rus": 3, "pe": 4, "proj": 5}

# current marks: (pupil, class, subject, day) → [(work type, values)]
MARKS = {
    ("Алексеев", "5А", "math", 10): [("default", ("5",))],
    ("Алексеев", "5А", "math", 12): [("test", ("4",))],
    ("Алексеев", "5А", "math", 17): [("default", ("5",))],
    ("Алексеев", "5А", "math", 19): [("default", ("4",))],
    ("Алексеев", "5А", "rus", 17): [("default", ("4",))],
    ("Алексеев", "5А", "proj", 12): [("default", ("5",))],
    ("Борисова", "5А", "math", 10): [("default", ("5", "4"))],
    ("Борисова", "5А", "math", 12): [("test", ("3",))],
    ("Борисова", "5А", "math", 19): [("default", ("4",))],
    ("Борисова", "5А", "rus", 17): [("default", ("5", "5")), ("test", ("4",))],
    ("Григорьева", "5А", "pe", 11): [("default", ("осв",))],
    ("Григорьева", "5А", "pe", 18): [("default", ("осв",))],
    ("Григорьева", "5А", "math", 17): [("default", ("2",))],
    ("Васильев", "5А", "math", 10): [("default", ("3",))],
    ("Васильев", "5А", "math", 12): [("test", ("2",))],
    ("Васильев", "5Б", "math", 13): [("default", ("4",))],
    ("Васильев", "5Б", "math", 17): [("default", ("5",))],
    ("Васильев", "5Б", "rus", 18): [("default", ("3",))],
    ("Дмитриев", "5Б", "math", 17): [("test", ("5",))],
    ("Егорова", "5А", "math", 19): [("default", ("5",))],
}
# attendance: (pupil, class, subject, day) → status
ATTENDANCE = {
    ("Борисова", "5А", "math", 17): "absent",
    ("Борисова", "5А", "rus", 11): "ill",
    ("Борисова", "5А", "pe", 18): "excused",
    ("Борисова", "5А", "math", 19): "late",
    ("Алексеев", "5А", "math", 19): "late",
    ("Васильев", "5Б", "math", 10): "absent",  # not his class that day: must not show anywhere
    ("Григорьева", "5А", "rus", 17): "ill",
}
# period marks of the second quarter: (pupil, class, subject) → value
Q2_MARKS = {
    ("Алексеев", "5А", "math"): "5", ("Алексеев", "5А", "rus"): "4", ("Алексеев", "5А", "pe"): "5",
    ("Борисова", "5А", "math"): "4", ("Борисова", "5А", "rus"): "4", ("Борисова", "5А", "pe"): "5",
    ("Григорьева", "5А", "math"): "2", ("Григорьева", "5А", "rus"): "н/а", ("Григорьева", "5А", "pe"): "осв",
    ("Васильев", "5Б", "math"): "4", ("Васильев", "5Б", "rus"): "3", ("Васильев", "5Б", "pe"): "5",
    ("Дмитриев", "5Б", "math"): "5", ("Дмитриев", "5Б", "rus"): "5", ("Дмитриев", "5Б", "pe"): "5",
    ("Егорова", "5А", "math"): "5", ("Егорова", "5А", "rus"): "5", ("Егорова", "5А", "pe"): "4",
}
Q1_MARKS = {("Алексеев", "5А", "math"): "4", ("Борисова", "5А", "math"): "5", ("Васильев", "5А", "math"): "3",
            ("Григорьева", "5А", "math"): "3", ("Дмитриев", "5Б", "math"): "4"}
ANNUAL = {("Алексеев", "5А", "math"): "5", ("Борисова", "5А", "math"): "4", ("Дмитриев", "5Б", "math"): "5",
          ("Васильев", "5Б", "math"): "4"}
PUPILS = (("Алексеев", "Антон", (("5А", date(2026, 9, 1), None),)),
          ("Борисова", "Бэлла", (("5А", date(2026, 9, 1), None),)),
          ("Васильев", "Виктор", (("5А", date(2026, 9, 1), NOV(12)), ("5Б", NOV(13), None))),
          ("Григорьева", "Галина", (("5А", date(2026, 9, 1), None),)),
          ("Дмитриев", "Денис", (("5Б", date(2026, 9, 1), None),)),
          ("Егорова", "Елена", (("5А", NOV(17), None),)))


def build(edit_window: str = "week") -> RW:
    h = passwords.hash_password(PASSWORD)
    with transaction() as tx:
        m = Municipality(name="Отчётный округ")
        tx.add(m)
        tx.flush()
        s = School(municipality_id=m.id, name="МБОУ «Средняя школа № 7»", short_name="Школа № 7")
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
        tx.flush()
        classes = {}
        for name in ("5А", "5Б"):
            c = SchoolClass(school_id=s.id, year_id=y.id, grade=5, letter=name[-1], name=name)
            tx.add(c)
            tx.flush()
            classes[name] = c.id
        subjects = {}
        for key, name, no_att in SUBJECTS:
            subj = Subject(school_id=s.id, name=name)
            tx.add(subj)
            tx.flush()
            subjects[key] = subj.id
            for cname in ("5А", "5Б"):
                tx.add(CurriculumItem(school_id=s.id, class_id=classes[cname], subject_id=subj.id, hours_per_week=2,
                                      no_attestation=no_att))
        wts = {}
        for key, name, weight, default, test in (("default", "Работа на уроке", 1.0, True, False),
                                                 ("test", "Контрольная работа", 2.0, False, True)):
            wt = WorkType(school_id=s.id, name=name, weight=weight, is_default=default, is_test=test)
            tx.add(wt)
            tx.flush()
            wts[key] = wt.id
        users, staff = {}, {}

        def user(login, role, last="", **scope):
            u = User(login=login, password_hash=h, last_name=last or login.capitalize(), first_name="Тест",
                     middle_name="Тестович", email=f"{login}@example.test", created_at=T)
            tx.add(u)
            tx.flush()
            if role:
                tx.add(RoleGrant(user_id=u.id, role=role, school_id=s.id, granted_at=T, **scope))
            users[login] = u.id
            return u.id

        user("admin", "admin", "Админова")
        user("director", "director", "Директорова")
        user("deputy5", "deputy", "Завучева", grades="5")
        user("deputy6", "deputy", "Шестакова", grades="6")
        for key, subj_keys in (("math_t", ("math",)), ("rus_t", ("rus", "pe", "proj"))):
            uid = user(key, "teacher", "Математикова" if key == "math_t" else "Русакова")
            st = Staff(school_id=s.id, user_id=uid, last_name="Математикова" if key == "math_t" else "Русакова",
                       first_name="Учитель")
            tx.add(st)
            tx.flush()
            staff[key] = st.id
            for sk in subj_keys:
                for cname in ("5А", "5Б"):
                    tx.add(TeachingAssignment(school_id=s.id, class_id=classes[cname], subject_id=subjects[sk],
                                              teacher_id=st.id))
        user("ct5a", "class_teacher", "Классная", class_id=classes["5А"])
        user("ct5b", "class_teacher", "Бэшкина", class_id=classes["5Б"])
        pupils = {}
        for last, first, spans in PUPILS:
            p = Student(school_id=s.id, last_name=last, first_name=first, created_at=T)
            tx.add(p)
            tx.flush()
            pupils[last] = p.id
            for cname, start, end in spans:
                tx.add(Enrollment(school_id=s.id, student_id=p.id, class_id=classes[cname], starts_on=start,
                                  ends_on=end, reason="enrolled"))
        puid = user("parent", "parent", "Алексеева")
        g = Guardian(school_id=s.id, user_id=puid, last_name="Алексеева", first_name="Анна")
        tx.add(g)
        tx.flush()
        tx.add(StudentGuardian(school_id=s.id, student_id=pupils["Алексеев"], guardian_id=g.id))
        world = RW(s.id, y.id, q1.id, q2.id, classes, subjects, users, staff, pupils, work_types=wts)
        for (cname, key), days in LESSONS.items():
            for d in days:
                teacher = staff["math_t"] if key == "math" else staff["rus_t"]
                les = Lesson(school_id=s.id, class_id=classes[cname], subject_id=subjects[key], teacher_id=teacher,
                             period_id=q2.id, lesson_date=NOV(d), lesson_number=NUMBER[key],
                             starts_at=time(8 + NUMBER[key], 0), ends_at=time(8 + NUMBER[key], 45), held=True,
                             topic=f"{dict((k, n) for k, n, _ in SUBJECTS)[key]}: тема {d} ноября")
                tx.add(les)
                tx.flush()
                world.lessons[(cname, key, d)] = les.id
        cancelled = Lesson(school_id=s.id, class_id=classes["5А"], subject_id=subjects["pe"], teacher_id=staff["rus_t"],
                           period_id=q2.id, lesson_date=NOV(16), lesson_number=6, starts_at=time(14, 0),
                           ends_at=time(14, 45), status="cancelled", topic="Отменённый урок")
        tx.add(cancelled)
        made: dict[tuple[int, str], int] = {}  # (lesson, work type) → work: a column shared by the class
        for (pupil, cname, key, d), works in MARKS.items():
            lid = world.lessons[(cname, key, d)]
            for wt_key, values in works:
                if (lid, wt_key) not in made:
                    w = Work(school_id=s.id, lesson_id=lid, work_type_id=wts[wt_key], created_at=T)
                    tx.add(w)
                    tx.flush()
                    made[(lid, wt_key)] = w.id
                for pos, v in enumerate(values):
                    tx.add(Mark(school_id=s.id, work_id=made[(lid, wt_key)], student_id=pupils[pupil], position=pos,
                                value=v,
                                numeric=int(v) if v.isdigit() else None, entered_at=T))
        for (pupil, cname, key, d), status in ATTENDANCE.items():
            tx.add(Attendance(school_id=s.id, lesson_id=world.lessons[(cname, key, d)], student_id=pupils[pupil],
                              status=status, entered_at=T))
        for marks, kind, period in ((Q2_MARKS, "period", q2.id), (Q1_MARKS, "period", q1.id), (ANNUAL, "annual", None)):
            for (pupil, cname, key), v in marks.items():
                tx.add(PeriodMark(school_id=s.id, year_id=y.id, student_id=pupils[pupil], subject_id=subjects[key],
                                  class_id=classes[cname], period_id=period, kind=kind, value=v,
                                  numeric=int(v) if v.isdigit() else None, entered_at=T))
        return world


def actor(rw: RW, login: str):
    """The signed-in actor of one of the world's users."""
    with reading() as tx:
        return auth.load_actor(tx, rw.users[login])
