"""A small school for roster tests: the 2026/2027 year with classes 1А, 5А, 5Б, 6А, 9А and 11А,
subjects with a curriculum (Английский язык split into subgroups in 5А), two work types, an
administrator, a secretary, the class teacher of 5А (and of 11А) and a teacher of 5А; no pupils.
Workbooks are built with openpyxl by `workbook()`.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from openpyxl import Workbook

from models import (
    AcademicYear, CurriculumItem, Municipality, RoleGrant, School, SchoolClass, SchoolSettings, Staff,
    StudyPeriod, Subject, TeachingAssignment, User, WorkType,
)
from models.db import reading, transaction
from services.core import auth, passwords

T = datetime(2026, 8, 20, tzinfo=timezone.utc)
PASSWORD = "Secret-pass1"

PUPIL_HEADERS = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "СНИЛС", "Дата зачисления",
                 "Номер приказа", "Родитель 1: ФИО", "Родитель 1: Степень родства", "Родитель 1: Телефон",
                 "Родитель 1: Email", "Родитель 2: ФИО", "Родитель 2: Степень родства", "Родитель 2: Телефон",
                 "Родитель 2: Email"]


@dataclass
class RW:
    school_id: int
    year_id: int
    classes: dict[str, int]
    subjects: dict[str, int]
    users: dict[str, int]
    staff: dict[str, int] = field(default_factory=dict)

    def actor(self, label: str):
        with reading() as tx:
            return auth.load_actor(tx, self.users[label])


def build() -> RW:
    h = passwords.hash_password(PASSWORD)
    with transaction() as tx:
        m = Municipality(name="Округ")
        tx.add(m)
        tx.flush()
        s = School(municipality_id=m.id, name="МБОУ «Школа № 1»", short_name="Школа № 1")
        tx.add(s)
        tx.flush()
        tx.add(SchoolSettings(school_id=s.id))
        y = AcademicYear(school_id=s.id, start_year=2026, starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31))
        tx.add(y)
        tx.flush()
        tx.add(StudyPeriod(school_id=s.id, year_id=y.id, kind="quarter", number=1, name="1 четверть",
                           starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 25)))
        classes = {}
        for name in ("1А", "5А", "5Б", "6А", "9А", "11А"):
            c = SchoolClass(school_id=s.id, year_id=y.id, grade=int(name[:-1]), letter=name[-1], name=name)
            tx.add(c)
            tx.flush()
            classes[name] = c.id
        subjects = {}
        for name in ("Математика", "Русский язык", "Английский язык"):
            subj = Subject(school_id=s.id, name=name)
            tx.add(subj)
            tx.flush()
            subjects[name] = subj.id
            for cname, cid in classes.items():
                tx.add(CurriculumItem(school_id=s.id, class_id=cid, subject_id=subj.id, hours_per_week=3,
                                      split=(name == "Английский язык")))
        for name, weight, default in (("Работа на уроке", 1.0, True), ("Контрольная работа", 2.0, False)):
            tx.add(WorkType(school_id=s.id, name=name, weight=weight, is_default=default))
        users = {}

        def user(login, role, **scope):
            u = User(login=login, password_hash=h, last_name=login.capitalize(), first_name="Тест", created_at=T)
            tx.add(u)
            tx.flush()
            tx.add(RoleGrant(user_id=u.id, role=role, school_id=s.id, granted_at=T, **scope))
            users[login] = u.id
            return u.id

        user("admin", "admin")
        user("secretary", "secretary")
        user("ct5", "class_teacher", class_id=classes["5А"])
        user("ct11", "class_teacher", class_id=classes["11А"])
        tid = user("math", "teacher")
        st = Staff(school_id=s.id, user_id=tid, last_name="Math", first_name="Учитель")
        tx.add(st)
        tx.flush()
        tx.add(TeachingAssignment(school_id=s.id, class_id=classes["5А"], subject_id=subjects["Математика"],
                                  teacher_id=st.id))
        return RW(s.id, y.id, classes, subjects, users, {"math": st.id})


def workbook(headers: list[str], rows: list[list], path=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    if path is not None:
        with open(path, "wb") as f:
            f.write(data)
    return data


def pupil_row(last, first, middle="", birth="14.03.2015", sex="м", cls="5А", snils="", enrolled="01.09.2026",
              order="1-уч", g1=("", "", "", ""), g2=("", "", "", "")) -> list:
    return [last, first, middle, birth, sex, cls, snils, enrolled, order, *g1, *g2]
