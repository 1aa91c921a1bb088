"""The diary and the class teacher's screen (R-JRN-7, R-JRN-8) in AppTest on the demo school: a mark the teacher
saves appears in the parent's diary, highlighted as new; a parent picks only among their own
children; the class teacher saves a day's attendance through the editor's state."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models import Attendance, AuditEvent, Staff, TeachingAssignment
from models.db import reading
from services.core import clock
from services.core.policy import AccessDenied
from services.journal import class_teacher, diary, grid as journal
from tests.ui.conftest import LOGINS, button, sign_in
from tests.ui.test_demo_menus import actor_of, open_app


def child_and_class(parent_login: str = "parent"):
    parent = actor_of(LOGINS["parent"]["login"])
    children = diary.children_of(parent)
    assert children
    return parent, children


def give_mark(value: str):
    """The demo teacher marks the parent's first child in the latest lesson up to today."""
    teacher = actor_of(LOGINS["teacher"]["login"])
    parent, children = child_and_class()
    child = children[0]
    with reading() as tx:
        staff_id = tx.exec(select(Staff.id).where(Staff.user_id == teacher.user_id)).one()
        pairs = tx.exec(select(TeachingAssignment.class_id, TeachingAssignment.subject_id)
                        .where(TeachingAssignment.teacher_id == staff_id)).all()
    today = clock.today()
    for class_id, subject_id in pairs:
        grid = journal.load_grid(teacher, class_id, subject_id)
        if child.student_id not in {p.student_id for p in grid.pupils}:
            continue
        columns = [c for c in grid.columns if c.lesson_date <= today and c.lesson_id in grid.editable_lessons
                   and grid.cells[(child.student_id, c.label)] == ""]
        if columns:
            column = columns[-1]
            result = journal.save_cells(teacher, journal.diff(grid, {(child.student_id, column.label): value}))
            assert result.ok and result.saved == 1, result
            return parent, child, grid.subject_name, column
    pytest.fail("the demo teacher has no empty cell of the parent's child this period")


def week_html(at) -> str:
    return next(h.value for h in at.html if "diary-week" in h.value)


def lesson_card(week: str, column, subject: str) -> str:
    """The HTML of the card of the column's lesson (its day, number and subject) in the week."""
    day = next(d for d in week.split('<section class="diary-day">') if f", {column.lesson_date:%d.%m}</h4>" in d)
    head = f'<div class="diary-head"><span class="diary-num">{column.lesson_number}.</span>'
    for card in day.split('<div class="diary-lesson">')[1:]:
        if card.startswith(head) and f'<span class="diary-subject">{subject}</span>' in card:
            return card
    raise AssertionError(f"no card of lesson {column.lesson_number}, {subject} on {column.lesson_date}")


def test_a_saved_mark_appears_in_the_parents_diary_as_new(demo_url):
    parent, child, subject, column = give_mark("5")
    week_start = column.lesson_date - timedelta(days=column.lesson_date.weekday())
    at = open_app(LOGINS["parent"]["login"])
    assert [t.value for t in at.title] == ["Дневник"]  # the parent's start page
    if week_start != clock.today() - timedelta(days=clock.today().weekday()):
        button(at, "← Назад").click()
        at.run()
    assert not at.dataframe  # the week is a document, not a data grid (issue 14)
    week = week_html(at)
    card = lesson_card(week, column, subject)
    assert '<span class="diary-mark new"><b>5</b>' in card, card
    assert any("Новых отметок с прошлого посещения" in s.value for s in at.success)
    # the mark is also plain text (date · subject · value), which a browser can find
    line = f"{column.lesson_date:%d.%m.%Y} · {subject} · 5 ("
    assert f'<li class="new">{line}' in week and "None" not in week
    # the visit is remembered: a new session shows the same mark as seen
    again = open_app(LOGINS["parent"]["login"])
    if week_start != clock.today() - timedelta(days=clock.today().weekday()):
        button(again, "← Назад").click()
        again.run()
    card = lesson_card(week_html(again), column, subject)
    assert "<b>5</b>" in card and "diary-mark new" not in card


def test_a_parent_chooses_only_among_their_own_children(demo_url):
    parent, children = child_and_class()
    shown = {c.student_id for c in children}
    admin = actor_of(LOGINS["admin"]["login"])
    stranger = next(p for c in diary.readable_classes(admin, min(parent.school_ids()))
                    for p in c.pupils if p[0] not in shown)
    at = open_app(LOGINS["parent"]["login"])
    at.session_state["diary_child"] = stranger[0]  # a forged choice of another family's pupil
    at.run()
    assert not at.exception
    names = [s.value for s in at.subheader]
    assert any(children[0].name in n for n in names)
    page_text = " ".join(names + [m.value for m in at.markdown])
    assert stranger[1] not in page_text and stranger[1].split()[0] not in page_text
    # the service itself refuses another family's pupil, and the refusal is in the audit log
    with pytest.raises(AccessDenied):
        diary.week(parent, stranger[0])
    with reading() as tx:
        denied = tx.exec(select(AuditEvent).where(AuditEvent.actor_user_id == parent.user_id,
                                                  AuditEvent.action == "access.denied")).all()
    assert denied
    # a forged link naming another family's pupil is refused on the page, and audited again
    forged = open_app(LOGINS["parent"]["login"])
    forged.query_params["pupil"] = str(stranger[0])
    forged.run()
    assert not forged.exception
    assert any(e.value.startswith("Недостаточно прав") for e in forged.error), \
        [e.value for e in forged.error]
    assert not any("diary-week" in h.value for h in forged.html) and stranger[1] not in " ".join(m.value for m in forged.markdown)
    with reading() as tx:
        again = tx.exec(select(AuditEvent).where(AuditEvent.actor_user_id == parent.user_id,
                                                 AuditEvent.action == "access.denied")).all()
    assert len(again) > len(denied)
    # the parent's own child by link is fine
    own = open_app(LOGINS["parent"]["login"])
    own.query_params["pupil"] = str(children[0].student_id)
    own.run()
    assert not own.error and any(children[0].name in s.value for s in own.subheader)


def test_a_pupil_reads_only_their_own_diary(demo_url):
    at = open_app(LOGINS["student"]["login"])
    student = actor_of(LOGINS["student"]["login"])
    assert [t.value for t in at.title] == ["Дневник"]
    assert "Журнал" not in [p.get("page_name") for p in at._registered_pages.values()]
    me = diary.children_of(student)
    assert len(me) == 1 and any(me[0].name in s.value for s in at.subheader)
    assert [s.key for s in at.selectbox] == []  # no class or pupil to choose
    assert any("diary-week" in h.value for h in at.html) and not any("diary-subjects" in h.value for h in at.html)
    at.session_state["diary_view"] = "Отметки по предметам"  # the other tab: only then it runs
    at.run()
    # only the period of «Отметки по предметам» and the subject of the trend
    assert [s.key for s in at.selectbox] == [f"diary_period_{me[0].student_id}", "diary_trend_subject"]
    assert any("diary-subjects" in h.value for h in at.html) and not any("diary-week" in h.value for h in at.html)


def test_the_class_teacher_saves_a_days_attendance(demo_url):
    login = LOGINS["class_teacher"]["login"]
    at = open_app(login)  # the demo class teacher also teaches, so starts on the journal
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == "class")
    at.run()  # open «Мой класс» as a click in the menu would
    assert [t.value for t in at.title] == ["Мой класс"]
    actor = actor_of(login)
    cls = class_teacher.my_classes(actor)[0]
    # issue 14, item 6: the tab of the class's journals links into the journal inside the app
    links = [e.proto for e in at.get("page_link") if e.proto.label.startswith("Открыть журнал:")]
    assert len(links) == 1 and links[0].page == "journal" and f"class={cls.id}" in links[0].query_string, links
    day = class_teacher.day_attendance(actor, cls.id, clock.today())
    editor_key = f"class_att_{cls.id}_{clock.today().isoformat()}"
    assert day.lessons and day.pupils, "the demo class has lessons on the demo day"
    row = next(i for i, (sid, _) in enumerate(day.pupils) if day.cells[(sid, day.lessons[0].lesson_id)] == "")
    label = f"{day.lessons[0].number}. {day.lessons[0].subject}"
    at.session_state[editor_key] = {"edited_rows": {row: {label: "Б"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    button(at, "Сохранить посещаемость").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Посещаемость сохранена" in s.value for s in at.success)
    sid = day.pupils[row][0]
    with reading() as tx:
        status = tx.exec(select(Attendance.status).where(Attendance.lesson_id == day.lessons[0].lesson_id,
                                                         Attendance.student_id == sid)).one()
    assert status == "ill"
