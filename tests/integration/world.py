"""A small hand-built world for access tests: two municipalities, three schools.

Municipality «Северный» has schools A and B; «Южный» has school C. Each school has classes
5А and 6А, subjects Математика and Русский язык, two teachers (one per class), a class teacher
of 5А, an admin, a deputy for grades 5 only, two pupils per class and one parent per pupil.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from models import (
    AcademicYear, Enrollment, Guardian, Lesson, Municipality, RoleGrant, School, SchoolClass,
    SchoolSettings, Staff, Student, StudentGuardian, Subject, TeachingAssignment, User,
)
from models.db import transaction
from services.core import passwords

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
PASSWORD = "Secret-pass1"


@dataclass
class SchoolWorld:
    id: int
    municipality_id: int
    classes: dict[str, int] = field(default_factory=dict)       # name → id
    subjects: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)         # role label → user id
    staff: dict[str, int] = field(default_factory=dict)         # teacher label → staff id
    students: dict[str, int] = field(default_factory=dict)      # label → student id
    lessons: dict[str, int] = field(default_factory=dict)       # "5А/Математика" → lesson id


@dataclass
class World:
    schools: dict[str, SchoolWorld]
    coordinator_user_id: int
    municipalities: dict[str, int]


def build() -> World:
    pw_hash = passwords.hash_password(PASSWORD)
    with transaction() as tx:
        munis = {}
        for name in ("Северный", "Южный"):
            m = Municipality(name=name)
            tx.add(m)
            tx.flush()
            munis[name] = m.id
        schools: dict[str, SchoolWorld] = {}
        for key, muni in (("A", "Северный"), ("B", "Северный"), ("C", "Южный")):
            schools[key] = _school(tx, key, munis[muni], pw_hash)
        coord = _user(tx, "coord", pw_hash)
        tx.add(RoleGrant(user_id=coord, role="coordinator", municipality_id=munis["Северный"], granted_at=NOW))
    return World(schools=schools, coordinator_user_id=coord, municipalities=munis)


def _user(tx, login: str, pw_hash: str) -> int:
    u = User(login=login, password_hash=pw_hash, last_name=login.capitalize(), first_name="Тест",
             email=f"{login}@example.test", created_at=NOW)
    tx.add(u)
    tx.flush()
    return u.id


def _school(tx, key: str, muni_id: int, pw_hash: str) -> SchoolWorld:
    school = School(municipality_id=muni_id, name=f"Школа {key}", short_name=f"Школа {key}")
    tx.add(school)
    tx.flush()
    tx.add(SchoolSettings(school_id=school.id))
    w = SchoolWorld(id=school.id, municipality_id=muni_id)
    year = AcademicYear(school_id=school.id, start_year=2026, starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31))
    tx.add(year)
    tx.flush()
    for name, grade in (("5А", 5), ("6А", 6)):
        c = SchoolClass(school_id=school.id, year_id=year.id, grade=grade, letter="А", name=name)
        tx.add(c)
        tx.flush()
        w.classes[name] = c.id
    for name in ("Математика", "Русский язык"):
        s = Subject(school_id=school.id, name=name)
        tx.add(s)
        tx.flush()
        w.subjects[name] = s.id

    def grant(label, role, **scope):
        uid = w.users.get(label) or _user(tx, f"{label}_{key.lower()}", pw_hash)
        w.users[label] = uid
        tx.add(RoleGrant(user_id=uid, role=role, school_id=school.id, granted_at=NOW, **scope))
        return uid

    grant("admin", "admin")
    grant("director", "director")
    grant("deputy", "deputy", grades="5")
    grant("coordinator_like_monitoring", "monitoring")
    for label, cls in (("teacher5", "5А"), ("teacher6", "6А")):
        uid = grant(label, "teacher")
        st = Staff(school_id=school.id, user_id=uid, last_name=label, first_name="Учитель")
        tx.add(st)
        tx.flush()
        w.staff[label] = st.id
        for subj in ("Математика", "Русский язык"):
            tx.add(TeachingAssignment(school_id=school.id, class_id=w.classes[cls],
                                      subject_id=w.subjects[subj], teacher_id=st.id))
            lesson = Lesson(school_id=school.id, class_id=w.classes[cls], subject_id=w.subjects[subj],
                            teacher_id=st.id, lesson_date=date(2026, 11, 2), lesson_number=1,
                            starts_at=time(8, 30), ends_at=time(9, 15))
            tx.add(lesson)
            tx.flush()
            w.lessons[f"{cls}/{subj}"] = lesson.id
    grant("class_teacher5", "class_teacher", class_id=w.classes["5А"])
    for cls in ("5А", "6А"):
        for n in (1, 2):
            label = f"pupil{cls[0]}_{n}"
            s = Student(school_id=school.id, last_name=f"Ученик{n}", first_name=cls, created_at=NOW)
            tx.add(s)
            tx.flush()
            w.students[label] = s.id
            tx.add(Enrollment(school_id=school.id, student_id=s.id, class_id=w.classes[cls],
                              starts_on=date(2026, 9, 1)))
            # the pupil's own account
            puid = grant(label, "student")
            s.user_id = puid
            tx.add(s)
            # one parent per pupil
            guid = grant(f"parent_of_{label}", "parent")
            g = Guardian(school_id=school.id, user_id=guid, last_name=f"Родитель{n}", first_name=cls)
            tx.add(g)
            tx.flush()
            tx.add(StudentGuardian(school_id=school.id, student_id=s.id, guardian_id=g.id, relation="мать"))
    return w


def actor_of(user_id: int):
    """The signed-in Actor of a user of this world, as auth builds it."""
    from models.db import reading
    from services.core import auth
    with reading() as tx:
        return auth.load_actor(tx, user_id)
