"""The school-year, curriculum, lessons, substitutions and КТП screens in AppTest, on the small
timetable school (tests/integration/timetable_world.py): a bad row is refused with its reason and
changes nothing; a good one is saved through the service."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import CurriculumItem, Holiday, Lesson, LessonPlan, PlannedTopic, StudyPeriod, Substitution
from models.db import reading
from services.journal import lessons
from services.planning import timetable
from streamlit.testing.v1 import AppTest
from tests.integration import timetable_world
from tests.integration.timetable_world import rows_5a
from tests.ui.conftest import render_page

@pytest.fixture
def w(sqlite_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    w = timetable_world.build()
    timetable.save_class(w.actor("admin"), w.classes["5А"], rows_5a(w), date(2026, 9, 1))
    return w


def page(w, monkeypatch, name: str, login: str) -> AppTest:
    at = render_page(monkeypatch, name, w.users[login], w.school_id)
    ok(at)
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    found = [b for b in at.button if b.label == label]
    assert found, f"no button «{label}» among {[b.label for b in at.button]}"
    found[0].click()
    return ok(at.run())


def edit(at: AppTest, prefix: str, edited=None, added=None) -> AppTest:
    """Set the data editor whose key starts with `prefix` as a person's edits would."""
    keys = [k for k in at.session_state if k.startswith(prefix) and k[len(prefix):].replace("_", "").isdigit()]
    assert len(keys) == 1, keys
    key = keys[0]
    at.session_state[key] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": []}
    return ok(at.run())


def test_school_year_refuses_a_bad_period_and_adds_the_public_holidays(w, monkeypatch):
    at = page(w, monkeypatch, "pages.planning.school_year", "admin")
    assert at.selectbox(key="year_id").value == w.year_id
    # the 2nd quarter ends before it starts: refused with the reason, nothing changed
    edit(at, "year_periods_", edited={1: {"Конец": "2026-11-01"}})
    click(at, "Сохранить периоды")
    assert at.error and "Периоды не сохранены" in at.error[0].value
    with reading() as tx:
        second = tx.exec(select(StudyPeriod).where(StudyPeriod.id == w.periods[2])).one()
    assert second.ends_on == date(2026, 12, 28)
    # the public holidays of Russia from the holidays package
    with reading() as tx:
        before = len(tx.exec(select(Holiday).where(Holiday.year_id == w.year_id)).all())
    click(at, "Добавить государственные праздники")
    with reading() as tx:
        names = [h.name for h in tx.exec(select(Holiday).where(Holiday.year_id == w.year_id,
                                                               Holiday.kind == "public")).all()]
    assert len(names) + 4 > before and any("Новогодние" in n for n in names) and any("Победы" in n for n in names)
    # a bell at 8:70 is refused with its row
    at.radio(key="year_shift").set_value(1).run()
    edit(at, "year_bells_1_", edited={0: {"Начало": "8:70"}})
    click(at, "Сохранить звонки")
    assert at.error and "Строка 1 (1 урок)" in at.error[0].value
    # the next year, in trimesters
    assert at.number_input(key="year_new_start").value == 2027
    at.selectbox(key="year_new_kind").set_value("trimester").run()
    click(at, "Открыть учебный год")
    with reading() as tx:
        names = [p.name for p in tx.exec(select(StudyPeriod).where(StudyPeriod.year_id != w.year_id)
                                         .order_by(StudyPeriod.number)).all()]
    assert names == ["1 триместр", "2 триместр", "3 триместр"]


def test_curriculum_is_copied_to_the_parallel_and_a_bad_row_is_refused(w, monkeypatch):
    at = page(w, monkeypatch, "pages.planning.curriculum_plan", "deputy5")
    assert at.selectbox(key="cur_class").options == ["5А", "5Б"]   # the deputy's parallel only
    edit(at, "cur_items_", added=[{"Предмет": "Химия"}])           # no hours
    click(at, "Сохранить учебный план")
    assert at.error and "Строка 5: выберите предмет и укажите часы в неделю" in at.error[0].value
    click(at, "Скопировать в параллель (5Б)")
    assert not at.error
    with reading() as tx:
        copied = sorted(i.hours_per_week for i in tx.exec(select(CurriculumItem).where(
            CurriculumItem.class_id == w.classes["5Б"])).all())
    assert copied == [1, 3, 4, 5]
    other = page(w, monkeypatch, "pages.planning.curriculum_plan", "deputy6")
    assert other.selectbox(key="cur_class").options == ["6А"]


def test_generation_lists_a_lesson_with_data_for_a_person_to_resolve(w, monkeypatch):
    admin = w.actor("admin")
    with reading() as tx:
        lesson = tx.exec(select(Lesson).where(Lesson.class_id == w.classes["5А"],
                                              Lesson.subject_id == w.subjects["rus"],
                                              Lesson.lesson_date == date(2026, 11, 19))).one()
    lessons.save(w.actor("rus"), lesson.id, version=lesson.version, topic="Причастие", held=False)  # its teacher
    # from 18 November Russian is no longer on Thursdays
    rows = [r for r in rows_5a(w) if not (r.subject_id == w.subjects["rus"] and r.weekday == 4)]
    timetable.save_class(admin, w.classes["5А"], rows, date(2026, 11, 18))
    at = page(w, monkeypatch, "pages.planning.timetable_lessons", "deputy5")
    kept = at.dataframe[0].value if at.dataframe else None
    assert kept is not None and list(kept["Дата"]) == ["19.11.2026"] and "тема" in kept.loc[0, "Почему оставлен"]
    assert at.warning and "Уроков, которых больше нет в расписании" in at.warning[0].value
    edit(at, "tt_lessons_kept_", edited={0: {"Решение": "удалить урок"}})
    click(at, "Применить решения")
    assert at.error and "нельзя удалить" in at.error[0].value            # it holds a topic
    edit(at, "tt_lessons_kept_", edited={0: {"Решение": "оставить как отдельный урок вне расписания"}})
    click(at, "Применить решения")
    with reading() as tx:
        assert tx.get(Lesson, lesson.id).slot_id is None
    click(at, "Создать уроки по расписанию")
    assert at.success and "Уроки с 16.11.2026" in at.success[0].value


def test_a_substitution_from_the_screen_and_a_busy_substitute_refused(w, monkeypatch):
    from services.planning.timetable import SlotRow
    five_b = [SlotRow(2, 2, w.subjects["math"], w.staff["math"], "15")]       # Иванова: 5Б, Tue lesson 2
    timetable.save_class(w.actor("admin"), w.classes["5Б"], five_b, date(2026, 9, 1))
    at = page(w, monkeypatch, "pages.planning.timetable_substitutions", "admin")
    at.selectbox(key="subst_class").set_value(w.classes["5А"]).run()
    at.date_input(key="subst_day").set_value(date(2026, 11, 17)).run()
    ok(at)
    lessons = at.selectbox(key="subst_lesson")
    first = lessons.options[0]
    assert first == "1 урок — Математика"
    choice = next(k for k in at.session_state if k.startswith("subst_who_"))
    substitute = at.selectbox(key=choice)
    assert substitute.options[0].startswith("Соколова А. С. (ведёт этот предмет")   # free, same subject first
    click(at, "Назначить замену")
    with reading() as tx:
        sub = tx.exec(select(Substitution)).one()
        lesson = tx.get(Lesson, sub.lesson_id)
    assert lesson.teacher_id == w.staff["sub"] and sub.absent_teacher_id == w.staff["math"] and sub.same_subject
    # the second lesson: a teacher busy at that time is listed as busy and refused with the reason
    with reading() as tx:
        second = tx.exec(select(Lesson.id).where(Lesson.class_id == w.classes["5А"], Lesson.lesson_number == 2,
                                                 Lesson.lesson_date == date(2026, 11, 17))).one()
    ok(at.selectbox(key="subst_lesson").set_value(second).run())
    choice = next(k for k in at.session_state if k.startswith("subst_who_"))
    busy = at.selectbox(key=choice)
    assert any(o.startswith("Иванова А. С.") and "занят: 5Б Математика" in o for o in busy.options)
    ok(busy.set_value(w.staff["math"]).run())          # Иванова teaches 5Б mathematics at that time
    click(at, "Назначить замену")
    assert at.error and "Замена не назначена" in at.error[0].value and "в это время ведёт урок" in at.error[0].value


def test_a_teacher_writes_a_plan_and_sees_where_the_class_is(w, monkeypatch):
    at = page(w, monkeypatch, "pages.planning.lesson_plans", "math")
    assert at.selectbox(key="ktp_plan").value == 0                  # no plan yet: «Новый КТП»
    at.selectbox(key="ktp_new_class").set_value(w.classes["5А"]).run()
    click(at, "Создать КТП")
    with reading() as tx:
        plan = tx.exec(select(LessonPlan)).one()
    at.selectbox(key="ktp_plan").set_value(plan.id).run()
    ok(at)
    edit(at, "ktp_topics_", added=[{"№ урока": 1, "Тема": "Натуральные числа", "Часы": 30.0}])
    click(at, "Сохранить темы")
    assert at.error and "часов — от 0,5 до 10" in at.error[0].value
    edit(at, "ktp_topics_", added=[{"№ урока": n, "Тема": f"Тема {n}", "Часы": 10.0} for n in range(1, 11)])
    click(at, "Сохранить темы")
    assert not at.error
    with reading() as tx:
        assert len(tx.exec(select(PlannedTopic).where(PlannedTopic.plan_id == plan.id)).all()) == 10
    progress = at.dataframe[0].value
    assert progress.loc[0, "Класс"] == "5А" and progress.loc[0, "Проведено уроков"] > 0
    assert progress.loc[0, "Где класс"] in ("по плану", f"отстаёт на {-progress.loc[0, 'Разница']}")
