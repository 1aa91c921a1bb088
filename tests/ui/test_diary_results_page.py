"""«Отметки по предметам» in the parent's diary (issue 16, item 3), AppTest on the demo school: a
period choice, the period mark beside the period's marks, and the year's period marks table."""
from __future__ import annotations

from services.journal import diary
from tests.ui.conftest import LOGINS
from tests.ui.test_demo_menus import actor_of, open_app


def test_the_parent_chooses_a_period_and_sees_its_period_marks(demo_url):
    parent = actor_of(LOGINS["parent"]["login"])
    child = diary.children_of(parent)[0]
    periods, current = diary.periods_of(parent, child.student_id)
    first = periods[0][0]
    results = diary.results(parent, child.student_id)
    with_mark = [r for r in results.rows if r.by_period.get(first)]
    assert with_mark, "the demo has marks for the first, ended period"
    at = open_app(LOGINS["parent"]["login"])
    at.session_state["diary_view"] = "Отметки по предметам"  # the tab runs only when open
    at.run()
    box = at.selectbox(key=f"diary_period_{child.student_id}")
    assert box.value == current
    box.set_value(first)
    at.run()
    assert not at.exception, at.exception
    html = " ".join(h.proto.body for h in at.html)
    card = html[html.index(f"<h4>{with_mark[0].subject}</h4>"):]
    assert f"<b>За период: {with_mark[0].by_period[first]}</b>" in card[:card.index("</section>")]
    assert "<th>Годовая</th><th>Экзамен</th><th>Итоговая</th>" in html
    assert f"<td>{with_mark[0].subject}</td><td>{with_mark[0].by_period[first]}</td>" in html
