"""A small school for timetable tests (school year 2026/2027, today 16 November 2026).

Classes 5А, 5Б (grade 5) and 6А. Subjects: Математика, Русский язык, Английский язык and
Информатика (the last two split into groups in 5А). The calendar: quarters (1 Sep – 23 Oct,
5 Nov – 28 Dec, 11 Jan – 19 Mar, 30 Mar – 26 May), autumn vacation 24 Oct – 4 Nov, a public
holiday on 4 November, winter vacation 29 Dec – 10 Jan, spring 20–29 March; seven bells.

Staff: «math» (Математика in 5А and 5Б), «rus» (Русский язык in 5А), «eng1» and «eng2» (the
English groups of 5А), «inf» (the Informatics groups), «sub» (Математика in 6А). Users: admin,
«deputy5» (grade 5), «deputy6» (grade 6), the teachers, «ct5» (class teacher of 5А).
Pupils of 5А: Алексеев, Борисова (English group 1), Васильев, Григорьева (group 2); the
Informatics groups are Алексеев + Васильев and Борисова + Григорьева (they cross the English ones).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from models import (
    AcademicYear, BellSchedule, CurriculumItem, Enrollment, Holiday, Municipality, RoleGrant, School,
    SchoolClass, SchoolSettings, Staff, Student, StudyPeriod, Subgroup, SubgroupMember, Subject,
    TeachingAssignment, User, WorkType,
)
from models.db import reading, transaction
from services.core import auth, passwords

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=MSK)   # a Monday of the second quarter
T = datetime(2026, 8, 20, tzinfo=ZoneInfo("UTC"))
PASSWORD = "Secret-pass1"
BELLS = [(1, time(8, 30), time(9, 15)), (2, time(9, 25), time(10, 10)), (3, time(10, 30), time(11, 15)),
         (4, time(11, 35), time(12, 20)), (5, time(12, 35), time(13, 20)), (6, time(13, 30), time(14, 15)),
         (7, time(14, 25), time(15, 10))]


@dataclass
class TW:
    school_id: int
    year_id: int
    classes: dict          # name → id
    subjects: dict         # key → id: math, rus, eng, inf
    staff: dict            # login → staff id
    users: dict            # login → user id
    pupils: dict           # surname → student id
    groups: dict           # (subject key, number) → subgroup id
    periods: dict          # number → id

    def actor(self, login: str):
        with reading() as tx:
            return auth.load_actor(tx, self.users[login])


def build() -> TW:
    h = passwords.hash_password(PASSWORD)
    with transaction() as tx:
        m = Municipality(name="Округ")
        tx.add(m)
        tx.flush()
        s = School(municipality_id=m.id, name="Школа № 1", short_name="Школа № 1")
        tx.add(s)
        tx.flush()
        tx.add(SchoolSettings(school_id=s.id))
        y = AcademicYear(school_id=s.id, start_year=2026, starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31))
        tx.add(y)
        tx.flush()
        periods = {}
        for n, a, b in ((1, date(2026, 9, 1), date(2026, 10, 23)), (2, date(2026, 11, 5), date(2026, 12, 28)),
                        (3, date(2027, 1, 11), date(2027, 3, 19)), (4, date(2027, 3, 30), date(2027, 5, 26))):
            p = StudyPeriod(school_id=s.id, year_id=y.id, kind="quarter", number=n, name=f"{n} четверть",
                            starts_on=a, ends_on=b)
            tx.add(p)
            tx.flush()
            periods[n] = p.id
        for name, kind, a, b in (("Осенние каникулы", "vacation", date(2026, 10, 24), date(2026, 11, 4)),
                                 ("День народного единства", "public", date(2026, 11, 4), date(2026, 11, 4)),
                                 ("Зимние каникулы", "vacation", date(2026, 12, 29), date(2027, 1, 10)),
                                 ("Весенние каникулы", "vacation", date(2027, 3, 20), date(2027, 3, 29)),
                                 ("Летние каникулы", "vacation", date(2027, 5, 27), date(2027, 8, 31))):
            tx.add(Holiday(school_id=s.id, year_id=y.id, name=name, kind=kind, starts_on=a, ends_on=b))
        for n, a, b in BELLS:
            tx.add(BellSchedule(school_id=s.id, shift=1, lesson_number=n, starts_at=a, ends_at=b))
        tx.add(WorkType(school_id=s.id, name="Работа на уроке", is_default=True))
        classes = {}
        for name, grade in (("5А", 5), ("5Б", 5), ("6А", 6)):
            c = SchoolClass(school_id=s.id, year_id=y.id, grade=grade, letter=name[-1], name=name)
            tx.add(c)
            tx.flush()
            classes[name] = c.id
        subjects = {}
        for key, name in (("math", "Математика"), ("rus", "Русский язык"), ("eng", "Английский язык"),
                          ("inf", "Информатика"), ("chem", "Химия")):
            subj = Subject(school_id=s.id, name=name, short_name=name[:4])
            tx.add(subj)
            tx.flush()
            subjects[key] = subj.id
        plan = {"5А": (("math", 5, False), ("rus", 4, False), ("eng", 3, True), ("inf", 1, True)),
                "5Б": (("math", 5, False), ("rus", 4, False)),
                "6А": (("math", 5, False),)}
        for cname, items in plan.items():
            for key, hours, split in items:
                tx.add(CurriculumItem(school_id=s.id, class_id=classes[cname], subject_id=subjects[key],
                                      hours_per_week=hours, split=split))
        users, staff = {}, {}

        def user(login, role, **scope):
            u = users.get(login)
            if u is None:
                row = User(login=login, password_hash=h, last_name=login.capitalize(), first_name="Тест",
                           email=f"{login}@example.test", created_at=T)
                tx.add(row)
                tx.flush()
                u = users[login] = row.id
            tx.add(RoleGrant(user_id=u, role=role, school_id=s.id, granted_at=T, **scope))
            return u

        user("admin", "admin")
        user("deputy5", "deputy", grades="5")
        user("deputy6", "deputy", grades="6")
        surnames = {"math": "Иванова", "rus": "Петрова", "eng1": "Смирнова", "eng2": "Кузнецова",
                    "inf": "Попов", "sub": "Соколова"}
        for login, last in surnames.items():
            uid = user(login, "teacher")
            st = Staff(school_id=s.id, user_id=uid, last_name=last, first_name="Анна", middle_name="Сергеевна",
                       subjects="Математика" if login == "sub" else "")
            tx.add(st)
            tx.flush()
            staff[login] = st.id
        user("ct5", "class_teacher", class_id=classes["5А"])
        pupils = {}
        for last in ("Алексеев", "Борисова", "Васильев", "Григорьева"):
            p = Student(school_id=s.id, last_name=last, first_name="Имя", created_at=T)
            tx.add(p)
            tx.flush()
            pupils[last] = p.id
            tx.add(Enrollment(school_id=s.id, student_id=p.id, class_id=classes["5А"], starts_on=date(2026, 9, 1)))
        groups = {}
        for key, split in (("eng", {1: ("Алексеев", "Борисова"), 2: ("Васильев", "Григорьева")}),
                           ("inf", {1: ("Алексеев", "Васильев"), 2: ("Борисова", "Григорьева")})):
            for number, names in split.items():
                g = Subgroup(school_id=s.id, class_id=classes["5А"], subject_id=subjects[key], name=f"{number} группа")
                tx.add(g)
                tx.flush()
                groups[(key, number)] = g.id
                for last in names:
                    tx.add(SubgroupMember(school_id=s.id, subgroup_id=g.id, student_id=pupils[last],
                                          starts_on=date(2026, 9, 1)))
        for cname, key, login, group in (("5А", "math", "math", None), ("5Б", "math", "math", None),
                                         ("5А", "rus", "rus", None), ("5А", "eng", "eng1", ("eng", 1)),
                                         ("5А", "eng", "eng2", ("eng", 2)), ("5А", "inf", "inf", ("inf", 1)),
                                         ("5А", "inf", "inf", ("inf", 2)), ("6А", "math", "sub", None)):
            tx.add(TeachingAssignment(school_id=s.id, class_id=classes[cname], subject_id=subjects[key],
                                      teacher_id=staff[login], subgroup_id=groups[group] if group else None))
        return TW(s.id, y.id, classes, subjects, staff, users, pupils, groups, periods)


def rows_5a(w: TW, **changes):
    """A week of 5А: Математика Mon–Fri lesson 1 (room 10), Русский язык Mon–Thu lesson 2 (room 11),
    English in groups Mon, Wed, Fri lesson 3 (rooms 21 and 22), Informatics group 1 Tue lesson 3
    and group 2 Thu lesson 3 (room 30)."""
    from services.planning.timetable import SlotRow
    S, T_ = w.subjects, w.staff
    rows = [SlotRow(d, 1, S["math"], T_["math"], "10") for d in range(1, 6)]
    rows += [SlotRow(d, 2, S["rus"], T_["rus"], "11") for d in range(1, 5)]
    for d in (1, 3, 5):
        rows.append(SlotRow(d, 3, S["eng"], T_["eng1"], "21", w.groups[("eng", 1)]))
        rows.append(SlotRow(d, 3, S["eng"], T_["eng2"], "22", w.groups[("eng", 2)]))
    rows.append(SlotRow(2, 3, S["inf"], T_["inf"], "30", w.groups[("inf", 1)]))
    rows.append(SlotRow(4, 3, S["inf"], T_["inf"], "30", w.groups[("inf", 2)]))
    return rows
