"""The journal and the to-do in AppTest on the demo school: the teacher's edits given through
the editor's state are saved and the grid reloads from the database; a refused cell shows its
pupil, date and reason, saves nothing, and the rest goes through only when asked; query
parameters preselect the journal; the to-do links into it."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from models import Lesson, Mark, Work
from models.db import reading
from pages.journal import teacher_journal as journal_page
from services.core import clock
from services.journal import grid as journal, period_marks, todo
from tests.ui.conftest import LOGINS, button
from tests.ui.test_demo_menus import actor_of, open_app


def default_grid(actor):
    """The grid the page shows first: the first journal, the current period, ±2 weeks of today."""
    school_id = min(actor.school_ids())
    choice = journal.choices(actor, school_id)[0]
    periods, current = journal.periods(school_id, choice.year_id)
    period = next(p for p in periods if p.id == current)
    lo, hi = journal_page._range(period, clock.today(), False)
    return choice, journal.load_grid(actor, choice.class_id, choice.subject_id, period_id=period.id,
                                     subgroup_id=choice.subgroup_id, date_from=lo, date_to=hi)


def empty_cells(grid, count: int):
    """(row, label, pupil) of empty cells of past lessons the teacher may fill."""
    found = []
    for column in reversed(grid.columns):
        if column.lesson_date > clock.today() or column.lesson_id not in grid.editable_lessons:
            continue
        for row, pupil in enumerate(grid.pupils):
            if grid.cells[(pupil.student_id, column.label)] == "":
                found.append((row, column, pupil))
                if len(found) == count:
                    return found
    raise AssertionError("no empty cells in the demo teacher's journal")


def marks_of(student_id: int, lesson_id: int) -> list[str]:
    with reading() as tx:
        return [m.value for m in tx.exec(select(Mark).join(Work, Work.id == Mark.work_id)
                                         .where(Mark.student_id == student_id, Work.lesson_id == lesson_id)
                                         .order_by(Mark.position)).all()]


def forbid_rerun(monkeypatch) -> None:
    """A save is one run: the page shows its result without st.rerun() (which would fail the run)."""
    def rerun(*args, **kwargs):
        raise AssertionError("a save is one run: no st.rerun()")
    monkeypatch.setattr(journal_page.st, "rerun", rerun)


def edit(at, rows: dict) -> None:
    key = at.session_state[journal_page.EDITOR_KEY]
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception


def test_the_teacher_saves_marks_given_through_the_editor(demo_url, monkeypatch):
    login = LOGINS["teacher"]["login"]
    at = open_app(login)
    assert [t.value for t in at.title] == ["Журнал"]  # the teacher's start page
    teacher = actor_of(login)
    choice, grid = default_grid(teacher)
    (row, column, pupil), (row2, column2, pupil2) = empty_cells(grid, 2)
    rows = {row: {column.label: "5/4"}}
    rows.setdefault(row2, {})[column2.label] = "Н"
    edit(at, rows)
    old_key = at.session_state[journal_page.EDITOR_KEY]
    forbid_rerun(monkeypatch)
    button(at, "Сохранить").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Сохранено клеток: 2" in s.value for s in at.success), (
        [e.value for e in at.error], [w.value for w in at.warning], [s.value for s in at.success])
    assert marks_of(pupil.student_id, column.lesson_id) == ["5", "4"]
    # the grid was reloaded from the database into a fresh editor
    assert at.session_state[journal_page.EDITOR_KEY] != old_key
    _, again = default_grid(teacher)
    assert again.cells[(pupil.student_id, column.label)] == "5/4"
    assert again.cells[(pupil2.student_id, column2.label)].startswith("Н")


def test_a_refused_cell_names_pupil_date_and_reason_and_the_rest_is_saved_on_request(demo_url):
    login = LOGINS["teacher"]["login"]
    at = open_app(login)
    _, grid = default_grid(actor_of(login))
    (row, column, pupil), (row2, column2, pupil2) = empty_cells(grid, 2)
    rows = {row: {column.label: "7"}}
    rows.setdefault(row2, {})[column2.label] = "4"
    edit(at, rows)
    button(at, "Сохранить").click()
    at.run()
    errors = " ".join(e.value for e in at.error).replace("\\", "")  # markdown escapes
    assert "Ничего не сохранено" in errors
    assert f"{pupil.name}, {column.lesson_date:%d.%m.%Y}: «7» — отметка должна быть от 1 до 5." in errors
    assert marks_of(pupil2.student_id, column2.lesson_id) == []
    button(at, "Сохранить остальные клетки").click()
    at.run()
    assert not at.exception, at.exception
    assert marks_of(pupil2.student_id, column2.lesson_id) == ["4"]
    assert marks_of(pupil.student_id, column.lesson_id) == []
    assert any("Сохранено клеток: 1" in w.value for w in at.warning)


def test_query_parameters_preselect_the_journal_and_the_todo_links_into_it(demo_url):
    login = LOGINS["teacher"]["login"]
    teacher = actor_of(login)
    school_id = min(teacher.school_ids())
    last = journal.choices(teacher, school_id)[-1]
    with reading() as tx:
        day = tx.exec(select(Lesson.lesson_date).where(Lesson.class_id == last.class_id,
                                                       Lesson.subject_id == last.subject_id,
                                                       Lesson.lesson_date <= clock.today() - timedelta(days=40))
                      .order_by(Lesson.lesson_date.desc())).first()
    periods, _ = journal.periods(school_id, last.year_id)
    period = next(p for p in periods if p.starts_on <= day <= p.ends_on)
    lo, hi = journal_page._range(period, day, False)
    at = open_app(login)
    at.query_params["class"] = str(last.class_id)
    at.query_params["subject"] = str(last.subject_id)
    at.query_params["date"] = day.isoformat()
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key=journal_page.CHOICE_KEY).value == journal_page._choice_key(last)
    assert at.selectbox(key=f"journal_period_{last.year_id}").value == period.id
    assert any(f"{last.class_name} · {last.subject_name} · {period.name}: {lo:%d.%m} – {hi:%d.%m.%Y}" in c.value
               for c in at.caption), [c.value for c in at.caption]
    button(at, "К сегодняшнему дню").click()
    at.run()
    current = next(p for p in periods if p.starts_on <= clock.today() <= p.ends_on)
    lo, hi = journal_page._range(current, clock.today(), False)
    at.selectbox(key=f"journal_period_{last.year_id}").set_value(current.id)
    at.run()
    assert any(f"{current.name}: {lo:%d.%m} – {hi:%d.%m.%Y}" in c.value for c in at.caption), \
        [c.value for c in at.caption]

    # the to-do: every overdue lesson is a link to the journal with its class, subject and date
    items = todo.overdue(teacher)
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == "todo")
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Мои задачи"]
    links = [e.proto for e in at.get("page_link") if "урок №" in e.proto.label]  # not the sidebar's
    if not items:
        assert any("Просроченных записей в журнале нет" in s.value for s in at.success)
        return
    first = max(items, key=lambda i: (i.lesson_date, i.lesson_number))
    assert all(link.page == "journal" for link in links), links
    assert any(f"class={first.class_id}" in link.query_string and f"date={first.lesson_date.isoformat()}"
               in link.query_string for link in links), links


def test_the_lesson_panel_opens_on_request_and_saves_in_one_run(demo_url, monkeypatch):
    login = LOGINS["teacher"]["login"]
    at = open_app(login)
    teacher = actor_of(login)
    choice, grid = default_grid(teacher)
    assert not [t for t in at.text_input if t.label == "Тема урока"]  # closed until asked for
    at.toggle(key=journal_page.journal_panels.LESSON_OPEN_KEY).set_value(True)
    at.run()
    lesson_id = at.selectbox(key=f"{journal_page.LESSON_KEY}_{grid.class_id}_{grid.subject_id}_"
                                 f"{grid.subgroup_id}_{grid.period_id}").value
    next(t for t in at.text_input if t.label == "Тема урока").input("Сложение дробей")
    next(t for t in at.text_area if t.label == "Задание").input("Выучить правило, № 101")
    forbid_rerun(monkeypatch)
    button(at, "Сохранить урок").click()
    at.run()
    assert not at.exception, at.exception
    assert any("сохранён" in s.value for s in at.success), [e.value for e in at.error]
    # the same run shows the saved lesson (a new version: fresh fields with what was saved)
    assert next(t for t in at.text_input if t.label == "Тема урока").value == "Сложение дробей"
    with reading() as tx:
        lesson = tx.get(Lesson, lesson_id)
        assert lesson.topic == "Сложение дробей" and lesson.version > 1
        from models import Homework
        assert tx.exec(select(Homework.text).where(Homework.lesson_id == lesson_id)).one() == "Выучить правило, № 101"


def test_an_early_period_mark_is_saved_only_when_confirmed(demo_url):
    """16.11 is weeks before the end of the second quarter: a mark typed into «За период» asks
    for a confirmation and saves nothing, not even the other cells; confirmed, it is saved."""
    login = LOGINS["teacher"]["login"]
    at = open_app(login)
    teacher = actor_of(login)
    choice, grid = default_grid(teacher)
    periods, current = journal.periods(min(teacher.school_ids()), choice.year_id)
    assert journal_page.screen.period_mark_early(clock.today(), next(p for p in periods if p.id == current).ends_on)
    row, pupil = next((i, p) for i, p in enumerate(grid.pupils) if grid.summaries[p.student_id].period_mark == "")
    (row2, column2, pupil2), = empty_cells(grid, 1)
    rows = {row: {journal_page.journal_view.PERIOD: "4"}}
    rows.setdefault(row2, {})[column2.label] = "5"
    edit(at, rows)
    button(at, "Сохранить").click()
    at.run()
    assert not at.exception, at.exception
    warned = " ".join(w.value for w in at.warning)
    assert "Ничего не сохранено: отметку за период ставят в последние две недели" in warned, warned
    _, again = default_grid(teacher)
    assert again.summaries[pupil.student_id].period_mark == ""
    assert marks_of(pupil2.student_id, column2.lesson_id) == []
    at.checkbox(key=f"{at.session_state[journal_page.EDITOR_KEY]}_early").check()
    button(at, "Сохранить").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Сохранено клеток: 1, отметок за период: 1" in s.value for s in at.success), \
        ([e.value for e in at.error], [w.value for w in at.warning])
    _, again = default_grid(teacher)
    assert again.summaries[pupil.student_id].period_mark == "4"
    assert marks_of(pupil2.student_id, column2.lesson_id) == ["5"]


def test_annual_marks_are_saved_beside_the_grid(demo_url):
    login = LOGINS["teacher"]["login"]
    at = open_app(login)
    teacher = actor_of(login)
    choice, grid = default_grid(teacher)
    at.toggle(key=journal_page.journal_panels.YEAR_OPEN_KEY).set_value(True)  # opened on request
    at.run()
    key = at.session_state[journal_page.YEAR_EDITOR_KEY]
    at.session_state[key] = {"edited_rows": {0: {"Годовая": "5", "Итоговая": "5"}}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    button(at, "Сохранить итоговые отметки").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Сохранено итоговых отметок: 2" in s.value for s in at.success), [e.value for e in at.error]
    marks = period_marks.year_marks(teacher, choice.class_id, choice.subject_id)
    assert marks["annual"][grid.pupils[0].student_id] == "5" and marks["final"][grid.pupils[0].student_id] == "5"
