"""Closing the year (R-SAFE-3) on SQLite and PostgreSQL: 5А → 6А, 11А graduates, a repeater and a
conditional promotion chosen by a person, the old year frozen with its marks readable and
unchanged, the next year opened with classes, curriculum, periods and class teachers."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest
from sqlmodel import select

from models import (
    AcademicYear, CurriculumItem, Enrollment, Lesson, Mark, Movement, PeriodMark, RoleGrant, SchoolClass, Student,
    StudyPeriod, Work, WorkType,
)
from models.db import reading, transaction
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.people import rosters, rosters_import
from services.planning import year_close
from tests.integration import roster_world

T = datetime(2027, 6, 20, 9, 0, tzinfo=timezone.utc)
NO_ARCHIVE = "Архив делается отдельно (тест закрытия года)"  # 5.13: without the archive, only with a reason


@pytest.fixture
def school(db_url, frozen_clock):
    frozen_clock(datetime(2026, 9, 1, 9, 0, tzinfo=timezone.utc))
    rw = roster_world.build()
    rows = [roster_world.pupil_row(last, first, birth=birth, cls=cls) for last, first, birth, cls in (
        ("Акимов", "Артём", "01.01.2015", "5А"), ("Белова", "Бэлла", "02.02.2015", "5А"),
        ("Васин", "Валерий", "03.03.2015", "5А"), ("Гусев", "Глеб", "04.04.2015", "5Б"),
        ("Дронова", "Дина", "05.05.2009", "11А"), ("Егоров", "Евгений", "06.06.2009", "11А"),
        ("Жаров", "Жан", "07.07.2019", "1А"))]
    assert rosters_import.run_import(SYSTEM, rw.school_id, "pupils", roster_world.workbook(
        roster_world.PUPIL_HEADERS, rows), "r.xlsx").committed
    with transaction() as tx:
        pupils = {s.last_name: s.id for s in tx.exec(select(Student)).all()}
        wt = tx.exec(select(WorkType)).first()
        lesson = Lesson(school_id=rw.school_id, class_id=rw.classes["5А"], subject_id=rw.subjects["Математика"],
                        teacher_id=rw.staff["math"], lesson_date=date(2026, 10, 5), lesson_number=1,
                        starts_at=time(8, 30), ends_at=time(9, 15), topic="Дроби")
        tx.add(lesson)
        tx.flush()
        work = Work(school_id=rw.school_id, lesson_id=lesson.id, work_type_id=wt.id, created_at=T)
        tx.add(work)
        tx.flush()
        for last, value in (("Акимов", "5"), ("Белова", "3"), ("Васин", "2")):
            tx.add(Mark(school_id=rw.school_id, work_id=work.id, student_id=pupils[last], value=value,
                        numeric=int(value), entered_at=T))
            tx.add(PeriodMark(school_id=rw.school_id, year_id=rw.year_id, student_id=pupils[last],
                              subject_id=rw.subjects["Математика"], class_id=rw.classes["5А"], kind="annual",
                              value=value, numeric=int(value), entered_at=T))
    rw.pupils = pupils
    frozen_clock(T)
    return rw


def snapshot_old_year(year_id: int) -> dict:
    """Every row of the old year except open enrolments, which get their end date."""
    with reading() as tx:
        class_ids = [c.id for c in tx.exec(select(SchoolClass).where(SchoolClass.year_id == year_id)).all()]
        def rows(model, *conds):
            return sorted(tuple(sorted(r.model_dump().items())) for r in tx.exec(select(model).where(*conds)).all())
        lessons = rows(Lesson, Lesson.class_id.in_(class_ids))
        lesson_ids = [dict(l)["id"] for l in lessons]
        works = rows(Work, Work.lesson_id.in_(lesson_ids))
        return {
            "classes": rows(SchoolClass, SchoolClass.year_id == year_id),
            "curriculum": rows(CurriculumItem, CurriculumItem.class_id.in_(class_ids)),
            "lessons": lessons, "works": works,
            "marks": rows(Mark, Mark.work_id.in_([dict(w)["id"] for w in works])),
            "period_marks": rows(PeriodMark, PeriodMark.year_id == year_id),
            "periods": rows(StudyPeriod, StudyPeriod.year_id == year_id),
            "enrolments": sorted((e.id, e.student_id, e.class_id, e.starts_on, e.reason) for e in tx.exec(
                select(Enrollment).where(Enrollment.class_id.in_(class_ids))).all()),
        }


def test_closing_the_year(school):
    rw = school
    decisions = {rw.pupils["Белова"]: "conditional", rw.pupils["Васин"]: "repeat"}
    preview = year_close.preview(SYSTEM, rw.school_id, decisions=decisions)
    plans = {p.name.split()[0]: (p.from_class, p.decision, p.to_class) for p in preview.pupils}
    assert plans == {"Акимов": ("5А", "promote", "6А"), "Белова": ("5А", "conditional", "6А"),
                     "Васин": ("5А", "repeat", "5А"), "Гусев": ("5Б", "promote", "6Б"),
                     "Дронова": ("11А", "graduate", ""), "Егоров": ("11А", "graduate", ""),
                     "Жаров": ("1А", "promote", "2А")}
    assert preview.new_classes == ["1А", "2А", "5А", "6А", "6Б"]
    assert {c.name: c.to_class for c in preview.classes}["11А"] == "выпуск"
    assert preview.class_teachers == 1   # 5А's teacher moves on to 6А; 11А's graduates
    with reading() as tx:                # a preview changes nothing
        assert tx.exec(select(AcademicYear)).one().is_closed is False
        assert tx.exec(select(Movement).where(Movement.kind != "arrival")).all() == []
    before = snapshot_old_year(rw.year_id)

    year_close.close_year(SYSTEM, rw.school_id, decisions=decisions, no_archive_reason=NO_ARCHIVE)

    after = snapshot_old_year(rw.year_id)
    assert after == before, "nothing of the old year may change"
    with reading() as tx:
        old = tx.get(AcademicYear, rw.year_id)
        new = tx.exec(select(AcademicYear).where(AcademicYear.start_year == 2027)).one()
        assert old.is_closed and not new.is_closed and new.starts_on == date(2027, 9, 1)
        new_classes = {c.name: c.id for c in tx.exec(select(SchoolClass).where(SchoolClass.year_id == new.id)).all()}
        assert sorted(new_classes) == ["1А", "2А", "5А", "6А", "6Б"]
        # old enrolments end on the year's last day; the new ones start on 1 September
        old_ends = {e.student_id: e.ends_on for e in tx.exec(select(Enrollment).where(
            Enrollment.class_id.in_(list(rw.classes.values())))).all()}
        assert set(old_ends.values()) == {date(2027, 8, 31)}
        placed = {tx.get(Student, e.student_id).last_name: (e.class_id, e.reason, e.starts_on) for e in tx.exec(
            select(Enrollment).where(Enrollment.class_id.in_(list(new_classes.values())))).all()}
        assert placed == {"Акимов": (new_classes["6А"], "promoted", date(2027, 9, 1)),
                          "Белова": (new_classes["6А"], "conditional", date(2027, 9, 1)),
                          "Васин": (new_classes["5А"], "repeat", date(2027, 9, 1)),
                          "Гусев": (new_classes["6Б"], "promoted", date(2027, 9, 1)),
                          "Жаров": (new_classes["2А"], "promoted", date(2027, 9, 1))}
        graduates = tx.exec(select(Student).where(Student.left_on.is_not(None))).all()
        assert sorted(s.last_name for s in graduates) == ["Дронова", "Егоров"]
        assert {m.kind for m in tx.exec(select(Movement).where(
            Movement.student_id.in_([s.id for s in graduates]), Movement.kind != "arrival")).all()} == {"graduated"}
        # the curriculum of the new 6А is last year's 6А plan; periods moved on by a year
        cur = tx.exec(select(CurriculumItem).where(CurriculumItem.class_id == new_classes["6А"])).all()
        assert sorted(c.subject_id for c in cur) == sorted(rw.subjects.values())
        assert any(c.split for c in cur)
        periods = tx.exec(select(StudyPeriod).where(StudyPeriod.year_id == new.id)).all()
        assert [(p.name, p.starts_on) for p in periods] == [("1 четверть", date(2027, 9, 1))]
        # the class teacher of 5А moves on with the class to 6А
        grants = tx.exec(select(RoleGrant).where(RoleGrant.role == "class_teacher",
                                                 RoleGrant.revoked_at.is_(None))).all()
        assert [(g.user_id, g.class_id) for g in grants] == [(rw.users["ct5"], new_classes["6А"])]
        assert len(tx.exec(select(WorkType)).all()) == 2
    # last year's class list stays readable
    roster = rosters.class_roster(SYSTEM, rw.classes["5А"])
    assert roster.year_closed and [p.last_name for p in roster.pupils] == ["Акимов", "Белова", "Васин"]
    with pytest.raises(rosters.RosterError, match="закрыт"):
        rosters.update_pupils(SYSTEM, rw.classes["5А"], {rw.pupils["Акимов"]: {"first_name": "Арсений"}})
    with pytest.raises(year_close.YearCloseError, match="уже закрыт"):
        year_close.close_year(SYSTEM, rw.school_id, year_id=rw.year_id)


def test_only_the_administrator_closes_the_year(school):
    with pytest.raises(AccessDenied):
        year_close.preview(school.actor("secretary"), school.school_id)
    with pytest.raises(year_close.YearCloseError, match="перевести некуда"):
        year_close.preview(SYSTEM, school.school_id, decisions={school.pupils["Дронова"]: "promote"})


def test_a_year_is_closed_only_after_its_archive_or_with_an_audited_reason(school, tmp_path):
    """5.13: without the year's archive the close is refused and changes nothing; with the archive made
    it goes through; a reason instead of the archive is written into the audit event."""
    from models import AuditEvent
    from services.reports import archive

    rw = school
    preview = year_close.preview(SYSTEM, rw.school_id)
    assert preview.archived is False
    for reason in ("", "   ", "нет"):
        with pytest.raises(year_close.YearCloseError, match="Архив журналов этого учебного года ещё не сделан"):
            year_close.close_year(SYSTEM, rw.school_id, no_archive_reason=reason)
    with reading() as tx:
        assert tx.get(AcademicYear, rw.year_id).is_closed is False
        assert tx.exec(select(AcademicYear)).all() == [tx.get(AcademicYear, rw.year_id)]
    archive.build(SYSTEM, rw.school_id, 2026, tmp_path)
    assert year_close.preview(SYSTEM, rw.school_id).archived is True
    year_close.close_year(SYSTEM, rw.school_id)
    with reading() as tx:
        assert tx.get(AcademicYear, rw.year_id).is_closed
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "year.closed")).one()
    assert '"archived": true' in event.new and "no_archive_reason" not in event.new


def test_a_reason_to_close_without_the_archive_is_audited(school):
    from models import AuditEvent

    rw = school
    year_close.close_year(SYSTEM, rw.school_id, no_archive_reason="Сервер архива недоступен, архив сделаем в июле")
    with reading() as tx:
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "year.closed")).one()
    assert "Сервер архива недоступен" in event.new and event.detail.startswith("закрыт без архива: Сервер")
