"""«Первая неделя» in AppTest (issue 15): each line with its state and a link to the screen that
fixes it; the teacher is refused."""
from __future__ import annotations

from services.core.actor import SYSTEM
from services.planning import calendar
from tests.ui.conftest import render_page


def test_the_checklist_shows_what_is_done_and_links_the_rest(world, monkeypatch):
    calendar.create_year(SYSTEM, world.school_id, 2026)
    at = render_page(monkeypatch, "pages.admin.first_week", world.ids["admin1"], world.school_id)
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown)
    captions = "\n".join(c.value for c in at.caption)
    assert "Готово 2 из 13" in at.get("progress")[0].proto.text
    assert "**1. Учебный год, периоды и каникулы** — 2026/2027\\: периодов 4" in text
    assert "Звонки не заданы" in text and "Ученики не загружены" in text
    links = [link.proto.label for link in at.get("page_link")]
    assert "Открыть «Виды работ»" in links and "Открыть «Загрузка из Excel»" in links
    assert "manage.py bells --school" in captions


def test_the_teacher_is_refused(world, monkeypatch):
    at = render_page(monkeypatch, "pages.admin.first_week", world.ids["teacher1"], world.school_id)
    assert at.error and "Недостаточно прав" in at.error[0].value


def test_a_new_school_adds_its_subjects_first_and_needs_no_subgroups(world, monkeypatch):
    """A new school has no subjects: «Учебный план и нагрузка» says where to add them (the form
    open); once the plan has no subject split into groups, the checklist says subgroups are not
    needed (done), and the documents line says who publishes them."""
    from sqlmodel import select

    from models import AcademicYear, SchoolClass
    from models.db import transaction
    from services.setup import commands as setup_commands

    calendar.create_year(SYSTEM, world.school_id, 2026)
    with transaction() as tx:
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == world.school_id)).one()
        tx.add(SchoolClass(school_id=world.school_id, year_id=year.id, grade=5, letter="А", name="5А"))
    plan = render_page(monkeypatch, "pages.planning.curriculum_plan", world.ids["admin1"], world.school_id)
    assert not plan.exception, plan.exception
    assert any("В школе ещё нет предметов" in i.value for i in plan.info)
    assert plan.expander[0].label == "Новый предмет школы" and plan.expander[0].proto.expanded
    assert [b.label for b in plan.button if b.label.startswith("Сохранить")] == ["Сохранить учебный план"]

    at = render_page(monkeypatch, "pages.admin.first_week", world.ids["admin1"], world.school_id)
    text = "\n".join(m.value for m in at.markdown)
    assert "**9. Подгруппы** — Сначала учебный план." in text
    assert "Публикуют администратор сайта и редактор" in text
    setup_commands.set_curriculum(SYSTEM, world.school_id, "5А", "Математика", 2)
    plan = render_page(monkeypatch, "pages.planning.curriculum_plan", world.ids["admin1"], world.school_id)
    assert not any("В школе ещё нет предметов" in i.value for i in plan.info)
    at = render_page(monkeypatch, "pages.admin.first_week", world.ids["admin1"], world.school_id)
    text = "\n".join(m.value for m in at.markdown)
    assert "**9. Подгруппы** — Не нужны\\: в учебном плане нет предметов с делением на подгруппы." in text, text
