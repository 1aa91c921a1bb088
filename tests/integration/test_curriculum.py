"""The curriculum and teaching load (R-PLAN-1) on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import AuditEvent, CurriculumItem, TeachingAssignment
from models.db import reading
from services.core import auth
from services.core.policy import AccessDenied
from services.planning import curriculum, timetable
from services.planning.curriculum import Assignment, CurriculumError, Item
from tests.integration import timetable_world
from tests.integration.timetable_world import rows_5a


@pytest.fixture
def w(db_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    return timetable_world.build()


def items(w, name):
    with reading() as tx:
        return {(i.subject_id, i.hours_per_week, i.no_attestation, i.marking, i.split) for i in tx.exec(
            select(CurriculumItem).where(CurriculumItem.class_id == w.classes[name])).all()}


def test_edit_a_curriculum(w):
    deputy = w.actor("deputy5")
    S = w.subjects
    counts = curriculum.save(deputy, w.classes["5Б"], [
        Item(S["math"], 6), Item(S["rus"], 4), Item(S["chem"], 0.5, no_attestation=True, marking="pass_fail")])
    assert counts == {"added": 1, "changed": 1, "removed": 0}
    assert items(w, "5Б") == {(S["math"], 6.0, False, "five", False), (S["rus"], 4.0, False, "five", False),
                              (S["chem"], 0.5, True, "pass_fail", False)}
    view = curriculum.load(deputy, w.classes["5Б"])
    assert view.editable and view.total_hours == 10.5 and view.parallel == [(w.classes["5А"], "5А")]
    with pytest.raises(CurriculumError, match="часов в неделю — от 0,5 до 12"):
        curriculum.save(deputy, w.classes["5Б"], [Item(S["math"], 13)])
    with pytest.raises(CurriculumError, match="указан дважды"):
        curriculum.save(deputy, w.classes["5Б"], [Item(S["math"], 5), Item(S["math"], 4)])
    with pytest.raises(AccessDenied, match="изменение учебного плана"):
        curriculum.save(w.actor("deputy6"), w.classes["5Б"], [Item(S["math"], 5)])
    with reading() as tx:
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "curriculum.changed")).one()
        assert "Химия" in event.new and event.detail == "5Б"


def test_a_subject_in_the_timetable_stays(w):
    admin = w.actor("admin")
    timetable.save_class(admin, w.classes["5А"], rows_5a(w), date(2026, 9, 1))
    with pytest.raises(CurriculumError, match="нельзя убрать из учебного плана «Математика» \\(в расписании\\)"):
        curriculum.save(admin, w.classes["5А"], [Item(w.subjects["rus"], 4)])


def test_copy_to_the_parallel_in_one_step(w):
    out = curriculum.copy_to_parallel(w.actor("deputy5"), w.classes["5А"])
    assert out == {"5Б": {"added": 2, "changed": 0, "removed": 0}}
    assert {i[0] for i in items(w, "5Б")} == {i[0] for i in items(w, "5А")}
    again = curriculum.copy_to_parallel(w.actor("deputy5"), w.classes["5А"])
    assert again == {"5Б": {"added": 0, "changed": 0, "removed": 0}}
    with pytest.raises(CurriculumError, match="нет других классов"):
        curriculum.copy_to_parallel(w.actor("admin"), w.classes["6А"])


def test_teaching_assignments(w):
    admin = w.actor("admin")
    S, T, G = w.subjects, w.staff, w.groups
    rows = [Assignment(S["math"], T["sub"]), Assignment(S["rus"], T["rus"]),
            Assignment(S["eng"], T["eng1"], G[("eng", 1)]), Assignment(S["eng"], T["eng2"], G[("eng", 2)])]
    counts = curriculum.save_assignments(admin, w.classes["5А"], rows)
    assert counts == {"added": 1, "removed": 3}  # sub gets mathematics; math and both inf rows go
    view = curriculum.load(admin, w.classes["5А"])
    assert [(a.subject_name, a.subgroup_name, a.teacher_name) for a in view.assignments] == [
        ("Английский язык", "1 группа", "Смирнова А. С."), ("Английский язык", "2 группа", "Кузнецова А. С."),
        ("Математика", "", "Соколова А. С."), ("Русский язык", "", "Петрова А. С.")]
    with reading() as tx:  # the load opens the class's journal to the teacher
        sub = auth.load_actor(tx, w.users["sub"])
    assert (w.classes["5А"], S["math"]) in sub.teaches
    with pytest.raises(CurriculumError, match="предмета «Химия» нет в учебном плане 5А"):
        curriculum.save_assignments(admin, w.classes["5А"], [Assignment(S["chem"], T["sub"])])
    with pytest.raises(CurriculumError, match="подгруппа не относится к предмету «Математика»"):
        curriculum.save_assignments(admin, w.classes["5А"], [Assignment(S["math"], T["sub"], G[("eng", 1)])])
    with reading() as tx:
        assert len(tx.exec(select(TeachingAssignment).where(
            TeachingAssignment.class_id == w.classes["5А"])).all()) == 4
    subject_id = curriculum.add_subject(admin, w.school_id, "Физика", "Физ")
    assert any(s.id == subject_id for s in curriculum.subjects(admin, w.school_id))
    with pytest.raises(CurriculumError, match="уже есть"):
        curriculum.add_subject(admin, w.school_id, "физика")
