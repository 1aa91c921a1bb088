"""Issue 14, item 1: no mark is lost however fast a teacher types. In a real Chromium at
1440×900, on the demo in SQLite and in PostgreSQL, the demo teacher opens a journal of a class
of at least 26 pupils, moves to a column with the arrow keys, types 25 marks down it (a digit,
Enter), moves with the arrow keys to a row below them and types 10 marks across it (a digit,
Tab), without waiting for the app between keys, presses «Сохранить» once and every one of the
35 marks is read back from the database.

The grid is a form: nothing reaches the server until «Сохранить», so the typing races no
rerun. What remains is the grid's own cell editor (glide-data-grid): it opens a moment after the
first key of a cell and is taken off the page a render after Enter or Tab, and it takes a move
(an arrow key) on its next render; a key that arrived in between went to the wrong place (a mark
lost, or the old editor reopened, deaf to Enter), and the mouse leaving the grid redrew it and
lost its move to the next cell. The page queues the keys that arrive in those moments, replays
them in order once the editor (or the grid) is ready, and holds the mouse (a press on the grid
takes its turn after the keys before it, a press on «Сохранить» waits for them all) until they
are all replayed (ui/web_unsaved.js). The test selects the first cell (a click, the arrow
keys, until the grid shows that cell selected), then presses every key with no wait at all, and
clicks «Сохранить» right after the last key.
"""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from models import Mark, Work
from models.db import reading
from pages.journal import teacher_journal
from services.core import auth, clock
from services.journal import grid as journal
from tests.e2e.conftest import shot
from tests.e2e.test_diary_browser import sign_in
from tests.e2e.test_sign_in_browser import who

ROW, PUPIL, WORK = teacher_journal.ROW_HEIGHT, teacher_journal.PUPIL_WIDTH, teacher_journal.WORK_WIDTH
DOWN, ACROSS = 25, 10
DIGITS = "5432"


@pytest.fixture(params=["sqlite", "postgres"])
def any_portal(request):
    return request.getfixturevalue("portal" if request.param == "sqlite" else "pg_portal")


def _single(grid: journal.Grid, i: int) -> bool:
    """A column that is its lesson's only column (its marks are the lesson's marks)."""
    c = grid.columns[i]
    return c.lesson_id in grid.editable_lessons and sum(x.lesson_id == c.lesson_id for x in grid.columns) == 1


def _empty(grid: journal.Grid, row: int, i: int) -> bool:
    return _single(grid, i) and grid.cells[(grid.pupils[row].student_id, grid.columns[i].label)] == ""


def plan(teacher):
    """(choice, focus date, grid, column of the 25, row and first column of the 10): a journal
    of the teacher's own with ≥ 26 pupils and enough empty cells in the range the page shows."""
    school_id = min(teacher.school_ids())
    today = clock.today()
    for choice in sorted(journal.choices(teacher, school_id), key=lambda c: c.subgroup_id is not None):
        if not choice.own:
            continue
        periods, current = journal.periods(school_id, choice.year_id)
        for period in sorted(periods, key=lambda p: p.id != current):
            for focus in (today, today + timedelta(days=7), period.starts_on + (period.ends_on - period.starts_on) / 2):
                lo, hi = teacher_journal._range(period, focus, False)
                grid = journal.load_grid(teacher, choice.class_id, choice.subject_id, period_id=period.id,
                                         subgroup_id=choice.subgroup_id, date_from=lo, date_to=hi)
                if len(grid.pupils) <= DOWN:
                    break
                down = next((i for i in range(len(grid.columns))
                             if all(_empty(grid, r, i) for r in range(DOWN))), None)
                across = next(((r, i) for r in range(DOWN, len(grid.pupils)) for i in range(len(grid.columns))
                               if all(i + k < len(grid.columns) and _empty(grid, r, i + k) for k in range(ACROSS))),
                              None)
                if down is not None and across is not None:
                    return choice, focus, grid, down, across
    pytest.fail("the demo teacher has no journal with 25 empty cells down a column and 10 across a row")


def _open(portal, browser, teacher, choice, focus, grid):
    """A 1440×900 page of the teacher's journal of `choice` around `focus`, painted and settled;
    (context, page, the grid element, «Сохранить»)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, portal, "teacher")
    expect(page.get_by_role("heading", name="Журнал")).to_be_visible()
    query = f"class={choice.class_id}&subject={choice.subject_id}&date={focus.isoformat()}" + (
        f"&subgroup={choice.subgroup_id}" if choice.subgroup_id else "")
    page.goto(f"{portal.base}/journal?{query}")
    expect(page.get_by_text(f"{grid.class_name} · {grid.subject_name} · {grid.period_name}")).to_be_visible()
    editor = page.locator('[data-testid="stDataFrame"]').first
    expect(editor).to_be_visible()
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    page.wait_for_timeout(800)  # let the grid paint its canvas
    save = page.get_by_role("button", name="Сохранить", exact=True)
    expect(save).to_be_in_viewport()
    return context, page, editor, save


def _select(page, editor, row: int, column: int) -> None:
    """Click the pupil's name in `row` (shown: the grid is not scrolled), the arrow keys to the
    work `column`, until the grid's accessible table has moved the focus to that cell (the pupils'
    column is its first)."""
    editor.click(position={"x": 20, "y": ROW * (row + 1) + ROW // 2})
    for _ in range(column + 1):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("id => document.activeElement && document.activeElement.dataset.testid === id",
                           arg=f"glide-cell-{column + 1}-{row}")


def _marks(grid, cells) -> dict:
    with reading() as tx:
        return {(r, i): tx.exec(select(Mark.value).join(Work, Work.id == Mark.work_id)
                                .where(Work.lesson_id == grid.columns[i].lesson_id,
                                       Mark.student_id == grid.pupils[r].student_id)).all()
                for r, i in cells}


def test_fast_typing_keeps_every_mark(any_portal, browser, monkeypatch):
    portal = any_portal
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    teacher = auth.actor_for_user(who(portal, "teacher")[1])
    choice, focus, grid, down, (row, first) = plan(teacher)
    context, page, editor, save = _open(portal, browser, teacher, choice, focus, grid)
    try:
        shot(page, "e2e_journal_typing_open")
        typed: dict[tuple[int, int], str] = {}
        keys: list[str] = []
        for r in range(DOWN):
            typed[(r, down)] = DIGITS[r % len(DIGITS)]
            keys += [typed[(r, down)], "Enter"]             # Enter: the mark, and the row below
        keys += ["ArrowDown"] * (row - DOWN)                # now at row DOWN of column `down`
        keys += ["ArrowLeft" if first < down else "ArrowRight"] * abs(first - down)
        for k in range(ACROSS):
            typed[(row, first + k)] = DIGITS[(k + 1) % len(DIGITS)]
            keys += [typed[(row, first + k)], "Tab"]        # Tab: the mark, and the column to the right
        _select(page, editor, 0, down)  # the teacher starts typing once the grid shows the cell selected
        started = time.monotonic()
        for key in keys:                                    # no wait at all between keys
            page.keyboard.press(key)
        typing_s = time.monotonic() - started
        name = f"e2e_journal_typing_{'pg' if 'postgresql' in portal.demo.url else 'sqlite'}"
        save.click()  # right after the last key
        try:
            expect(page.get_by_text(f"Сохранено клеток: {DOWN + ACROSS} ")).to_be_visible(timeout=30_000)
            expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)  # the run has finished
            expect(save).to_have_count(1)  # one form, over the saved grid
        finally:
            shot(page, f"{name}_saved")
    finally:
        context.close()

    found = _marks(grid, typed)
    lost = {f"{grid.pupils[r].name}, {grid.columns[i].label}": (v, found[(r, i)])
            for (r, i), v in typed.items() if found[(r, i)] != [v]}
    assert not lost, f"{len(lost)} of {len(typed)} marks typed in {typing_s:.1f} s are not in the database: {lost}"


def test_a_click_while_typed_keys_are_replayed_waits_its_turn(portal, browser, monkeypatch):
    """Three marks down a column at full speed, then at once a click on the name of the pupil two
    rows below, the arrow keys to the column and two more marks: the click takes its turn after the
    keys typed before it (the three marks land in rows 0–2, the two in rows 4–5, row 3 stays
    empty), not before them."""
    monkeypatch.setenv("DATABASE_URL", portal.demo.url)
    teacher = auth.actor_for_user(who(portal, "teacher")[1])
    choice, focus, grid, down, _ = plan(teacher)
    typed = {(0, down): "5", (1, down): "4", (2, down): "3", (4, down): "2", (5, down): "5"}
    context, page, editor, save = _open(portal, browser, teacher, choice, focus, grid)
    try:
        _select(page, editor, 0, down)
        box = editor.bounding_box()
        for r in (0, 1, 2):
            page.keyboard.press(typed[(r, down)])
            page.keyboard.press("Enter")
        page.mouse.click(box["x"] + 20, box["y"] + ROW * 5 + ROW // 2)  # at once: row 4, the pupil's name
        busy = page.evaluate("() => window.__portalUnsaved.busy()")
        for key in ["ArrowRight"] * (down + 1) + [typed[(4, down)], "Enter", typed[(5, down)], "Enter"]:
            page.keyboard.press(key)
        save.click()
        expect(page.get_by_text("Сохранено клеток: 5 ")).to_be_visible(timeout=30_000)
    finally:
        context.close()
    found = _marks(grid, [*typed, (3, down)])
    wrong = {f"{grid.pupils[r].name}, {grid.columns[i].label}": (typed.get((r, i)), found[(r, i)])
             for (r, i) in found if found[(r, i)] != ([typed[(r, i)]] if (r, i) in typed else [])}
    assert not wrong, f"keys still queued after the click: {busy}; (typed, in the database): {wrong}"
