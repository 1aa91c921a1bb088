"""«Кто открывал» in the parent's diary (issue 16, item 8), AppTest on the demo school: the director
opens the child's diary and marks; the parent's tab names the director, the screens and the time."""
from __future__ import annotations

from services.journal import diary
from tests.ui.conftest import LOGINS
from tests.ui.test_demo_menus import actor_of, open_app


def test_the_parent_sees_who_opened_the_childs_diary(demo_url):
    parent = actor_of(LOGINS["parent"]["login"])
    child = diary.children_of(parent)[0]
    director = actor_of(LOGINS["director"]["login"])
    diary.week(director, child.student_id)
    diary.marks_by_subject(director, child.student_id)
    at = open_app(LOGINS["parent"]["login"])
    at.session_state["diary_view"] = "Кто открывал"  # the tab runs only when open
    at.run()
    assert not at.exception, at.exception
    html = " ".join(h.proto.body for h in at.html)
    rows = html[html.index('class="diary-views"'):]
    assert "<td>Директор</td>" in rows and director.name.split()[0] in rows
    assert "<td>дневник</td>" in rows and "<td>отметки</td>" in rows
    assert "16.11.2026" in rows
    # the director's own look at the list is not a look at the child's data
    assert len(diary_views(parent, child.student_id)) == 2


def diary_views(actor, student_id):
    from services.core import data_views
    return data_views.views(actor, student_id)
