"""Homework arrives (issue 16, item 1) in AppTest on the demo school: the lesson panel offers the
next lesson of the subject as the due date and saves it; the parent's diary shows the homework
on the day it is due with the teacher's file to download, and greyed on the day it was set."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from models import Homework
from models.db import reading
from pages.journal import pupil_diary, teacher_journal as journal_page
from services.core import clock
from services.core.attachments import Upload
from services.journal import diary, grid as journal, lessons
from tests.ui.conftest import LOGINS, button
from tests.ui.test_demo_menus import actor_of, open_app
from tests.ui.test_journal_pages import default_grid

CARD = "Карточка: № 1–5".encode()


def test_the_teacher_saves_homework_due_on_the_next_lesson(demo_url):
    login = LOGINS["teacher"]["login"]
    at = open_app(login)
    at.toggle(key=journal_page.journal_panels.LESSON_OPEN_KEY).set_value(True)  # the panel opens on request
    at.run()
    at.toggle(key=journal_page.journal_panels.LESSON_OPEN_KEY).set_value(True)  # the panel opens on request
    at.run()
    lesson_box = next(s for s in at.selectbox if str(s.key).startswith(journal_page.LESSON_KEY))
    d = lessons.detail(actor_of(login), lesson_box.value)
    assert d.homework_due_on is not None and d.homework_due_on > d.lesson_date
    due = next(w for w in at.date_input if str(w.key).startswith(f"hw_due_{d.id}_"))
    assert due.value == d.homework_due_on
    assert any(c.label == "Не задано" for c in at.checkbox)
    at.text_area[0].set_value("Выучить правило на с. 40")
    button(at, "Сохранить урок").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    with reading() as tx:
        hw = tx.exec(select(Homework).where(Homework.lesson_id == d.id)).one()
    assert hw.text == "Выучить правило на с. 40" and hw.due_on == d.homework_due_on


def test_the_parent_sees_homework_on_its_day_and_downloads_the_file(demo_url):
    teacher = actor_of(LOGINS["teacher"]["login"])
    parent = actor_of(LOGINS["parent"]["login"])
    child = diary.children_of(parent)[0]
    today = clock.today()
    for choice in journal.choices(teacher, min(teacher.school_ids())):
        grid = journal.load_grid(teacher, choice.class_id, choice.subject_id, subgroup_id=choice.subgroup_id)
        if child.student_id in {p.student_id for p in grid.pupils}:
            column = [c for c in grid.columns if c.lesson_date <= today and c.lesson_id in grid.editable_lessons][-1]
            break
    d = lessons.detail(teacher, column.lesson_id)
    lessons.save(teacher, d.id, version=d.version, topic=d.topic or "Тема", held=True,
                 homework_text="Решить карточку", homework_tasks="№ 1–5",
                 homework_file=Upload("Карточка.txt", CARD))
    due_on = lessons.detail(teacher, d.id).homework_due_on
    at = open_app(LOGINS["parent"]["login"])
    at.session_state[pupil_diary.WEEK_KEY] = due_on - timedelta(days=due_on.weekday())
    at.run()
    assert not at.exception, at.exception
    html = " ".join(h.proto.body for h in at.html)
    assert f"{grid.subject_name}</b>: Решить карточку <span>(№ 1–5)</span> · файл «Карточка.txt»" in html, html
    assert f"(задано {d.lesson_date:%d.%m})" in html
    download = next(b for b in at.get("download_button") if "Карточка.txt" in b.proto.label)
    assert download.proto.label == f"{grid.subject_name}: Карточка.txt"
    assert diary.homework_file(parent, child.student_id, d.id).data == CARD  # what the button hands over
    if d.lesson_date - timedelta(days=d.lesson_date.weekday()) == at.session_state[pupil_diary.WEEK_KEY]:
        assert f"Решить карточку — задано на {due_on:%d.%m}" in html  # greyed on the day it was set
