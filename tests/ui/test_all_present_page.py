"""«Все присутствуют» on the journal's lesson panel (issue 16, item 2), in AppTest on the demo school:
a lesson of the teacher's to-do «не отмечена посещаемость» is cleared by one button."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from models import Attendance, Lesson
from models.db import reading, transaction
from pages.journal import teacher_journal as journal_page
from services.core import clock
from services.journal import todo
from tests.ui.conftest import LOGINS, button
from tests.ui.test_demo_menus import actor_of, open_app
from tests.ui.test_journal_pages import default_grid


def test_the_teacher_records_all_present_and_the_todo_item_goes(demo_url):
    login = LOGINS["teacher"]["login"]
    teacher = actor_of(login)
    _, grid = default_grid(teacher)
    lesson_id = next(c.lesson_id for c in reversed(grid.columns)
                     if c.lesson_date < clock.today() - timedelta(days=3) and c.lesson_id in grid.editable_lessons)
    with transaction() as tx:  # the demo teacher is diligent: make it a lesson whose attendance was never taken
        for row in tx.exec(select(Attendance).where(Attendance.lesson_id == lesson_id)).all():
            tx.delete(row)
        lesson = tx.get(Lesson, lesson_id)
        lesson.attendance_taken_at = None
        tx.add(lesson)
    assert lesson_id in {i.lesson_id for i in todo.overdue(teacher) if i.kind == "attendance"}
    at = open_app(login)
    at.toggle(key=journal_page.journal_panels.LESSON_OPEN_KEY).set_value(True)  # the panel opens on request
    at.run()
    at.toggle(key=journal_page.journal_panels.LESSON_OPEN_KEY).set_value(True)  # the panel opens on request
    at.run()
    assert not at.exception, at.exception
    lesson_box = next(s for s in at.selectbox if str(s.key).startswith(journal_page.LESSON_KEY))
    lesson_box.set_value(lesson_id)
    at.run()
    assert any("Посещаемость урока ещё не отмечена" in c.value for c in at.caption), [c.value for c in at.caption]
    button(at, "Все присутствуют").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    with reading() as tx:
        assert tx.get(Lesson, lesson_id).attendance_taken_at is not None
    assert any("все присутствовали" in c.value for c in at.caption), [c.value for c in at.caption]
    assert lesson_id not in {i.lesson_id for i in todo.overdue(teacher) if i.kind == "attendance"}
