"""The demo generator (data/demo.py) against real databases: shape, links, calendar, marks,
determinism; and one full year on SQLite."""
from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from data import demo
from models import (
    AcademicYear, Attendance, AuditEvent, CurriculumItem, Enrollment, Guardian, Holiday, Lesson, Mark,
    Municipality, PeriodMark, RoleGrant, School, SchoolClass, Staff, Student, StudentGuardian, StudyPeriod,
    Subject, Substitution, SubgroupMember, TeachingAssignment, User, Work,
)
from models.db import get_engine, transaction
from services.core import clock, passwords

# Mid-November 2026: the first quarter of 2026/2027 has ended, the second is under way.
NOW = datetime(2026, 11, 16, 15, 0, tzinfo=clock.MOSCOW)
TODAY = NOW.date()


def rows(url, stmt):
    with get_engine(url).connect() as conn:
        return conn.execute(stmt).all()


def scalar(url, stmt):
    with get_engine(url).connect() as conn:
        return conn.execute(stmt).scalar()


def count(url, model, *where):
    return scalar(url, select(func.count()).select_from(model).where(*where))


def current_year_id(url, school_id):
    return scalar(url, select(AcademicYear.id).where(AcademicYear.school_id == school_id,
                                                     AcademicYear.is_closed.is_(False)))


# --- the checks of one generated database (each raises AssertionError) ---------------------
def check_shape_and_counts(url, result):
    assert set(result) >= {"municipality_id", "school_ids", "schools", "students", "lessons", "marks",
                           "attendance", "logins"}
    assert result["schools"] == 1 == len(result["school_ids"])
    assert [r[0] for r in rows(url, select(School.id))] == result["school_ids"]
    assert [r[0] for r in rows(url, select(Municipality.id))] == [result["municipality_id"]]
    assert result["students"] == count(url, Student)
    assert result["lessons"] == count(url, Lesson)
    assert result["marks"] == count(url, Mark)
    assert result["attendance"] == count(url, Attendance)
    assert result["logins"] == demo.demo_logins(1)
    assert result["marks"] > 0 and result["attendance"] > 0


def check_classes(url, result):
    year = current_year_id(url, result["school_ids"][0])
    classes = rows(url, select(SchoolClass.grade, SchoolClass.letter, SchoolClass.name)
                   .where(SchoolClass.year_id == year))
    assert len(classes) == 33
    for grade, letter, name in classes:
        assert re.fullmatch(r"(?:[1-9]|1[01])[А-Я]", name), name
        assert name == f"{grade}{letter}"
    by_grade = Counter(g for g, _, _ in classes)
    assert by_grade == {g: 3 for g in range(1, 12)}
    assert {n for _, _, n in classes if n.startswith("5")} == {"5А", "5Б", "5В"}


def check_class_sizes(url, result):
    year = current_year_id(url, result["school_ids"][0])
    sizes = rows(url, select(SchoolClass.name, func.count(Enrollment.id))
                 .join(Enrollment, Enrollment.class_id == SchoolClass.id)
                 .where(SchoolClass.year_id == year, Enrollment.ends_on.is_(None)).group_by(SchoolClass.name))
    assert len(sizes) == 33
    assert all(24 <= n <= 28 for _, n in sizes), sizes


def check_guardians(url, result):
    per_pupil = dict(rows(url, select(StudentGuardian.student_id, func.count()).group_by(StudentGuardian.student_id)))
    assert len(per_pupil) == count(url, Student)
    assert set(per_pupil.values()) <= {1, 2}
    assert 2 in per_pupil.values() and 1 in per_pupil.values()


def check_demo_logins_linked(url, result):
    school = result["school_ids"][0]
    users = dict(rows(url, select(User.login, User.id).where(User.login.in_(list(result["logins"])))))
    assert set(users) == set(result["logins"])
    grants = rows(url, select(RoleGrant.user_id, RoleGrant.role, RoleGrant.school_id, RoleGrant.municipality_id,
                              RoleGrant.class_id, RoleGrant.grades).where(RoleGrant.user_id.in_(list(users.values()))))
    by_user: dict[int, dict] = {}
    for uid, role, school_id, muni, class_id, grades in grants:
        by_user.setdefault(uid, {})[role] = (school_id, muni, class_id, grades)
    for login, uid in users.items():
        assert login in by_user[uid], (login, by_user[uid])
        school_id, muni, _, _ = by_user[uid][login]
        if login == "coordinator":
            assert school_id is None and muni == result["municipality_id"]
        else:
            assert school_id == school
    year = current_year_id(url, school)
    c5a = scalar(url, select(SchoolClass.id).where(SchoolClass.year_id == year, SchoolClass.name == "5А"))
    # the class teacher of 5А, also a teacher, a different person from "teacher"
    assert users["class_teacher"] != users["teacher"]
    assert by_user[users["class_teacher"]]["class_teacher"][2] == c5a
    assert "teacher" in by_user[users["class_teacher"]]
    assert set(by_user[users["teacher"]]) == {"teacher"}  # a subject teacher only
    # "teacher" teaches Математика in 5А
    teacher_staff = scalar(url, select(Staff.id).where(Staff.user_id == users["teacher"]))
    math = scalar(url, select(Subject.id).where(Subject.school_id == school, Subject.name == "Математика"))
    assert count(url, TeachingAssignment, TeachingAssignment.teacher_id == teacher_staff,
                 TeachingAssignment.class_id == c5a, TeachingAssignment.subject_id == math) == 1
    assert count(url, Lesson, Lesson.class_id == c5a, Lesson.subject_id == math) > 100
    # "student" is in 5А, and is a child of "parent"
    pupil = scalar(url, select(Student.id).where(Student.user_id == users["student"]))
    assert count(url, Enrollment, Enrollment.student_id == pupil, Enrollment.class_id == c5a,
                 Enrollment.ends_on.is_(None)) == 1
    guardian = scalar(url, select(Guardian.id).where(Guardian.user_id == users["parent"]))
    children = {r[0] for r in rows(url, select(StudentGuardian.student_id)
                                   .where(StudentGuardian.guardian_id == guardian))}
    assert pupil in children
    # the deputy's parallels include grade 5
    assert "5" in by_user[users["deputy"]]["deputy"][3].split(",")
    # e-mail addresses of the demo domain
    emails = dict(rows(url, select(User.login, User.email).where(User.id.in_(list(users.values())))))
    assert all(email == f"{login}@demo.school.local" for login, email in emails.items())


def check_passwords(url, result):
    hashes = dict(rows(url, select(User.login, User.password_hash).where(User.login.in_(list(result["logins"])))))
    for role, cred in result["logins"].items():
        assert passwords.validate_new_password(cred["password"], cred["login"]) is None
        assert passwords.verify_password(hashes[cred["login"]], cred["password"]), role
        assert not passwords.verify_password(hashes[cred["login"]], cred["password"] + "x")
    flags = rows(url, select(User.must_change_password, User.activated_at).where(
        User.login.in_(list(result["logins"]))))
    assert all(not must and activated is not None for must, activated in flags)


def check_no_teacher_in_two_places(url, result):
    clashes = rows(url, select(Lesson.teacher_id, Lesson.lesson_date, Lesson.lesson_number, func.count())
                   .group_by(Lesson.teacher_id, Lesson.lesson_date, Lesson.lesson_number)
                   .having(func.count() > 1))
    assert clashes == []
    rooms = rows(url, select(Lesson.room, Lesson.lesson_date, Lesson.lesson_number, func.count())
                 .group_by(Lesson.room, Lesson.lesson_date, Lesson.lesson_number).having(func.count() > 1))
    assert rooms == []


def check_calendar(url, result):
    days = {r[0] for r in rows(url, select(Lesson.lesson_date).distinct())}
    assert all(d.weekday() < 5 for d in days)
    for starts, ends in rows(url, select(Holiday.starts_on, Holiday.ends_on)):
        assert not [d for d in days if starts <= d <= ends], (starts, ends)
    names = {r[0] for r in rows(url, select(Holiday.name))}
    assert {"День народного единства", "День защитника Отечества", "Международный женский день",
            "Праздник Весны и Труда", "День Победы"} <= names
    periods = rows(url, select(StudyPeriod.year_id, StudyPeriod.number))
    assert Counter(y for y, _ in periods) == {y: 4 for y, _ in periods}
    # every lesson falls in a quarter of its year
    outside = rows(url, select(Lesson.id).join(StudyPeriod, StudyPeriod.id == Lesson.period_id)
                   .where((Lesson.lesson_date < StudyPeriod.starts_on) | (Lesson.lesson_date > StudyPeriod.ends_on))
                   .limit(1))
    assert outside == []


def _mark_lessons(url):
    return select(Mark.id).join(Work, Work.id == Mark.work_id).join(Lesson, Lesson.id == Work.lesson_id)


def check_grade_one_has_no_marks(url, result):
    stmt = _mark_lessons(url).join(SchoolClass, SchoolClass.id == Lesson.class_id).where(SchoolClass.grade == 1)
    assert rows(url, stmt.limit(1)) == []
    pm = select(PeriodMark.id).join(SchoolClass, SchoolClass.id == PeriodMark.class_id).where(SchoolClass.grade == 1)
    assert rows(url, pm.limit(1)) == []


def check_marks_only_in_the_past(url, result):
    stored_now = clock.to_stored(NOW)
    future = _mark_lessons(url).where((Lesson.lesson_date > TODAY) | (
        (Lesson.lesson_date == TODAY) & (Lesson.ends_at > NOW.time().replace(tzinfo=None))))
    assert rows(url, future.limit(1)) == []
    assert rows(url, _mark_lessons(url).where(Lesson.held.is_(False)).limit(1)) == []
    latest = scalar(url, select(func.max(Mark.entered_at)))
    assert latest is not None and latest <= stored_now
    assert count(url, Lesson, Lesson.held.is_(True), Lesson.lesson_date > TODAY) == 0
    # numeric is set exactly for 1..5
    values = dict(rows(url, select(Mark.value, func.count(Mark.numeric)).group_by(Mark.value)))
    assert set(values) >= {"2", "3", "4", "5"}
    assert all((values[v] > 0) == (v in "12345") for v in values)


def check_period_marks(url, result):
    year = current_year_id(url, result["school_ids"][0])
    got = dict(rows(url, select(StudyPeriod.number, func.count(PeriodMark.id))
                    .join(PeriodMark, PeriodMark.period_id == StudyPeriod.id)
                    .where(PeriodMark.year_id == year).group_by(StudyPeriod.number)))
    assert set(got) == {1}  # only the first quarter has ended by mid-November
    no_att = select(PeriodMark.id).join(CurriculumItem, (CurriculumItem.class_id == PeriodMark.class_id)
                                        & (CurriculumItem.subject_id == PeriodMark.subject_id)) \
        .where(CurriculumItem.no_attestation.is_(True))
    assert rows(url, no_att.limit(1)) == []


def check_no_audit(url, result):
    # nothing but the demo's marker (issue 15: a demo database is known as one)
    assert count(url, AuditEvent, AuditEvent.action != "demo.loaded") == 0
    assert count(url, AuditEvent, AuditEvent.action == "demo.loaded") == 1


def check_ids_continue(url, result):
    """After the bulk load (PostgreSQL sequences reset), ordinary inserts get fresh ids."""
    before = scalar(url, select(func.max(Subject.id)))
    with transaction(url) as tx:
        subject = Subject(school_id=result["school_ids"][0], name="Астрономия")
        tx.add(subject)
        tx.flush()
        assert subject.id > before


def check_second_run_refused(url, result):
    users = count(url, User)
    with pytest.raises(demo.DemoError, match="База данных не пуста"):
        demo.generate(url, progress=False)
    assert count(url, User) == users


CHECKS = [check_shape_and_counts, check_classes, check_class_sizes, check_guardians, check_demo_logins_linked,
          check_passwords, check_no_teacher_in_two_places, check_calendar, check_grade_one_has_no_marks,
          check_marks_only_in_the_past, check_period_marks, check_no_audit, check_ids_continue,
          check_second_run_refused]


def test_demo_current_year(db_url, frozen_clock, capsys):
    frozen_clock(NOW)
    result = demo.generate(db_url, progress=False)
    failures = []
    for check in CHECKS:
        try:
            check(db_url, result)
        except AssertionError as e:
            failures.append(f"{check.__name__}: {e!r}"[:2000])
    assert not failures, "\n".join(failures)
    assert capsys.readouterr().out == ""  # nothing on stdout


def _fingerprint(url):
    return {
        "counts": [count(url, m) for m in (Student, Lesson, Mark, Attendance, Work, PeriodMark, Substitution,
                                           SubgroupMember, User)],
        "pupils": rows(url, select(Student.last_name, Student.first_name, Student.middle_name, Student.birth_date)
                       .order_by(Student.id)),
        "marks": rows(url, select(Mark.work_id, Mark.student_id, Mark.value, Mark.entered_at).order_by(Mark.id)),
        "logins": rows(url, select(User.login).order_by(User.id)),
    }


def test_demo_is_deterministic(sqlite_template, tmp_path, frozen_clock):
    frozen_clock(NOW)
    prints = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
        demo.generate(url, seed=7, progress=False)
        prints.append(_fingerprint(url))
        get_engine(url).dispose()
    assert prints[0] == prints[1]
    assert len(prints[0]["marks"]) > 1000


def test_demo_logins_without_a_database():
    logins = demo.demo_logins(3)
    assert logins == demo.demo_logins(3) != demo.demo_logins(4)
    assert set(logins) == {"admin", "director", "deputy", "teacher", "class_teacher", "parent", "student",
                           "secretary", "coordinator", "monitoring", "editor", "moderator", "site_admin"}
    for role, cred in logins.items():
        assert cred["login"] == role
        assert passwords.validate_new_password(cred["password"], role) is None


def test_demo_full_year(sqlite_url, frozen_clock):
    """The last school year that has ended (2025/2026 on 16 Nov 2026), with period and annual marks
    and last year's annual marks as history."""
    frozen_clock(NOW)
    result = demo.generate(sqlite_url, full_year=True, progress=False)
    url = sqlite_url
    school = result["school_ids"][0]
    assert result["students"] >= 600
    assert result["marks"] >= 80_000
    years = dict(rows(url, select(AcademicYear.start_year, AcademicYear.id)))
    assert set(years) == {2024, 2025}
    this, last = years[2025], years[2024]
    assert scalar(url, select(func.max(Lesson.lesson_date))) < date(2026, 6, 1)
    # every lesson of the ended year took place, except the missed and (issue 18) the cancelled ones
    assert count(url, Lesson, Lesson.held.is_(False), Lesson.status == "scheduled") == 0
    quarters = dict(rows(url, select(StudyPeriod.number, func.count(PeriodMark.id))
                         .join(PeriodMark, PeriodMark.period_id == StudyPeriod.id)
                         .where(PeriodMark.year_id == this, PeriodMark.kind == "period").group_by(StudyPeriod.number)))
    assert set(quarters) == {1, 2, 3, 4} and min(quarters.values()) > 5000
    annual = count(url, PeriodMark, PeriodMark.year_id == this, PeriodMark.kind == "annual")
    assert annual > 5000
    # last year's annual marks: every pupil now in grade 5 has grade-4 annual marks
    fifth = {r[0] for r in rows(url, select(Enrollment.student_id)
                                .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                                .where(SchoolClass.year_id == this, SchoolClass.grade == 5))}
    with_history = {r[0] for r in rows(url, select(PeriodMark.student_id)
                                       .join(SchoolClass, SchoolClass.id == PeriodMark.class_id)
                                       .where(PeriodMark.year_id == last, PeriodMark.kind == "annual",
                                              SchoolClass.grade == 4))}
    assert len(fifth) >= 72 and fifth <= with_history
    assert scalar(url, select(AcademicYear.is_closed).where(AcademicYear.id == last)) is True
    # attendance: absences ~5–8 % of the pupils' lessons, lateness ~1 %
    class_sizes = dict(rows(url, select(Enrollment.class_id, func.count()).where(Enrollment.ends_on.is_(None))
                            .group_by(Enrollment.class_id)))
    group_sizes = dict(rows(url, select(SubgroupMember.subgroup_id, func.count()).group_by(SubgroupMember.subgroup_id)))
    seats = sum((group_sizes[g] if g else class_sizes[c]) * n for c, g, n in rows(
        url, select(Lesson.class_id, Lesson.subgroup_id, func.count()).where(Lesson.held.is_(True))
        .group_by(Lesson.class_id, Lesson.subgroup_id)))
    statuses = dict(rows(url, select(Attendance.status, func.count()).group_by(Attendance.status)))
    absent = statuses["absent"] + statuses["ill"] + statuses["excused"]
    assert 0.04 <= absent / seats <= 0.09, absent / seats
    assert 0.005 <= statuses["late"] / seats <= 0.02
    # substitutions on ~1–2 % of the lessons, a few missed
    lessons = count(url, Lesson)
    subs = count(url, Substitution)
    assert 0.005 * lessons <= subs <= 0.03 * lessons
    assert 0 < count(url, Lesson, Lesson.status == "missed") < subs
    # marks entered as a school would: mostly by 21:00 of the lesson day, some late
    sample = rows(url, select(Mark.entered_at, Lesson.lesson_date).join(Work, Work.id == Mark.work_id)
                  .join(Lesson, Lesson.id == Work.lesson_id).where(Mark.id % 50 == 0))
    local = [(clock.to_local(at), day) for at, day in sample]
    same_evening = sum(1 for at, day in local if at.date() == day and at.time() <= time(21, 0))
    assert 0.6 <= same_evening / len(local) <= 0.95
    assert all(at.date() >= day for at, day in local)
    assert count(url, AuditEvent, AuditEvent.action != "demo.loaded") == 0
    assert school == 1
