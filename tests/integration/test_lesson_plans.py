"""КТП (R-PLAN-5) on SQLite and PostgreSQL: entered and imported from Excel (every bad row reported with its
row, column and reason), topics proposed to the lessons in order, where the class is."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlmodel import select

from models import AuditEvent, Lesson, PlannedTopic
from models.db import reading
from services.core.policy import AccessDenied
from services.planning import lesson_plans, substitutions, timetable
from services.planning.lesson_plans import PlanError, TopicRow
from tests.integration import timetable_world
from tests.integration.timetable_world import rows_5a


@pytest.fixture
def w(db_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    world = timetable_world.build()
    timetable.save_class(world.actor("admin"), world.classes["5А"], rows_5a(world), date(2026, 9, 1))
    return world


def workbook(rows, headers=("№ урока", "Тема", "Часы", "Вид работы", "Дата по плану")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def math_lessons(w):
    with reading() as tx:
        return tx.exec(select(Lesson).where(Lesson.class_id == w.classes["5А"], Lesson.subject_id == w.subjects["math"])
                       .order_by(Lesson.lesson_date, Lesson.lesson_number)).all()


def test_import_a_plan_and_propose_its_topics(w):
    math = w.actor("math")
    plan_id = lesson_plans.create_plan(math, w.school_id, w.subjects["math"], class_id=w.classes["5А"])
    rows = [(1, "Натуральные числа", 1, "", datetime(2026, 9, 1)),
            (2, "Сложение и вычитание", 2, None, "02.09.2026"),
            (3, "Контрольная работа № 1", 1, "к/р", "04.09.2026"),
            (4, "Практическая работа «Измерения»", "1,5", "Практическая работа", None)]
    result = lesson_plans.import_topics(math, plan_id, workbook(rows), "ктп.xlsx")
    assert result.committed and (result.rows, result.added, result.errors) == (4, 4, [])
    detail = lesson_plans.load(math, plan_id)
    assert [(t.number, t.work_kind, t.hours) for t in detail.topics] == [
        (1, "", 1.0), (2, "", 2.0), (3, "контрольная", 1.0), (4, "практическая", 1.5)]
    assert detail.editable and detail.classes == [(w.classes["5А"], "5А")]
    lessons = math_lessons(w)
    with reading() as tx:
        topic_of = {t.id: t.number for t in tx.exec(select(PlannedTopic)).all()}
    # a topic of two hours takes two lessons; 1.5 hours take two as well
    assert [topic_of.get(l.planned_topic_id) for l in lessons[:8]] == [1, 2, 2, 3, 4, 4, None, None]
    again = lesson_plans.import_topics(math, plan_id, workbook(rows), "ктп.xlsx")
    assert again.committed and (again.added, again.changed, again.removed, again.proposed) == (0, 0, 0, 0)
    with reading() as tx:
        assert len(tx.exec(select(AuditEvent).where(AuditEvent.action == "lesson_plan.imported")).all()) == 1


def test_a_broken_workbook_changes_nothing_and_names_every_bad_cell(w):
    math = w.actor("math")
    plan_id = lesson_plans.create_plan(math, w.school_id, w.subjects["math"], class_id=w.classes["5А"])
    rows = [(1, "Натуральные числа", 1, "", "01.09.2026"),
            (2, "", 1, "", ""),
            (2, "Дроби", "много", "", ""),
            (4, "Повторение", 1, "игра", "01.09.2027"),
            ("пятый", "Итог", 1, "", "")]
    result = lesson_plans.import_topics(math, plan_id, workbook(rows), "ктп.xlsx")
    assert not result.committed
    found = {(p.row, p.column, p.message) for p in result.errors}
    assert (3, "Тема", "не указана тема урока") in found
    assert (4, "№ урока", "повтор: урок с этим номером уже есть в строке 3") in found
    assert (4, "Часы", "часы — число, например 1 или 0,5") in found
    assert (5, "Вид работы", "вид работы: практическая, лабораторная, контрольная, экскурсия или пусто") in found
    assert (5, "Дата по плану", "дата вне учебного года 2026/2027") in found
    assert (6, "№ урока", "номер урока — целое число") in found
    assert lesson_plans.load(math, plan_id).topics == []
    partial = lesson_plans.import_topics(math, plan_id, workbook(rows), "ктп.xlsx", only_valid=True)
    assert partial.committed and partial.added == 1
    missing = lesson_plans.import_topics(math, plan_id, workbook([(1, "x")], headers=("№", "Название")), "x.xlsx")
    assert [(p.row, p.column, p.message) for p in missing.errors] == [(1, "Тема", "нет столбца «Тема»")]


def test_who_may_keep_a_plan(w):
    with pytest.raises(AccessDenied, match="ведение КТП"):
        lesson_plans.create_plan(w.actor("rus"), w.school_id, w.subjects["math"], class_id=w.classes["5А"])
    plan_id = lesson_plans.create_plan(w.actor("deputy5"), w.school_id, w.subjects["math"], grade=5)
    with pytest.raises(PlanError, match="уже есть"):
        lesson_plans.create_plan(w.actor("math"), w.school_id, w.subjects["math"], grade=5)
    # the teacher of the subject in the parallel edits the parallel's plan; another teacher cannot
    lesson_plans.save_topics(w.actor("math"), plan_id, [TopicRow(1, "Числа"), TopicRow(2, "Фигуры")])
    with pytest.raises(AccessDenied):
        lesson_plans.save_topics(w.actor("rus"), plan_id, [TopicRow(1, "x")])
    detail = lesson_plans.load(w.actor("math"), plan_id)
    assert detail.info.target == "параллель 5 классов"
    assert {n for _, n in detail.classes} == {"5А", "5Б"}
    with pytest.raises(PlanError, match="Урок 3: дата по плану 01.09.2025 вне учебного года"):
        lesson_plans.save_topics(w.actor("math"), plan_id, [TopicRow(3, "x", planned_on=date(2025, 9, 1))])
    mine = lesson_plans.plans(w.actor("math"), w.school_id, mine=True)
    assert [p.id for p in mine] == [plan_id]
    assert lesson_plans.plans(w.actor("rus"), w.school_id, mine=True) == []


def test_where_the_class_is_against_the_plan(w, frozen_clock):
    math = w.actor("math")
    plan_id = lesson_plans.create_plan(math, w.school_id, w.subjects["math"], class_id=w.classes["5А"])
    lessons = math_lessons(w)
    by_now = [l for l in lessons if l.lesson_date <= date(2026, 11, 16)]
    # without dates the plan follows the timetable: a missed lesson puts the class behind
    topics = [TopicRow(i, f"Тема {i}") for i in range(1, 201)]
    lesson_plans.save_topics(math, plan_id, topics)
    p = lesson_plans.progress(math, w.classes["5А"], w.subjects["math"])
    assert (p.given, p.expected, p.difference) == (len(by_now), len(by_now), 0)
    assert p.text.startswith("Класс идёт по плану") and "не хватает" in p.text
    substitutions.substitute(w.actor("admin"), by_now[-1].id, None, "Болезнь учителя")
    p = lesson_plans.progress(math, w.classes["5А"], w.subjects["math"])
    assert p.difference == -1 and "отстаёт от плана на 1 урок" in p.text
    assert p.next_topic == f"Тема {len(by_now)}"
    # with dates: 10 topics planned by 16 November, and more lessons were given: ahead
    dated = [TopicRow(i, f"Тема {i}", planned_on=date(2026, 9, 1 + i)) for i in range(1, 11)]
    dated += [TopicRow(i, f"Тема {i}", planned_on=date(2027, 5, 1)) for i in range(11, 21)]
    lesson_plans.save_topics(math, plan_id, dated)
    p = lesson_plans.progress(math, w.classes["5А"], w.subjects["math"])
    assert p.by_dates and p.expected == 10 and p.difference == len(by_now) - 1 - 10
    assert "опережает план" in p.text
    # the missed lesson takes no topic
    with reading() as tx:
        assert tx.get(Lesson, by_now[-1].id).planned_topic_id is None
