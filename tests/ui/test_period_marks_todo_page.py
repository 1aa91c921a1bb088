"""«Мои задачи» lists period marks missing after the holidays (issue 16, item 7), AppTest on the
demo school: each item links to the journal of that class, subject and period."""
from __future__ import annotations

from sqlmodel import select

from models import PeriodMark
from models.db import transaction
from services.journal import todo
from tests.ui.conftest import LOGINS
from tests.ui.test_demo_menus import actor_of, open_app


def test_the_todo_shows_missing_period_marks_with_a_link_to_the_journal(demo_url):
    login = LOGINS["teacher"]["login"]
    teacher = actor_of(login)
    with transaction() as tx:  # two period marks of the teacher's were never set
        rows = tx.exec(select(PeriodMark).where(PeriodMark.kind == "period",
                                                PeriodMark.entered_by_user_id == teacher.user_id)
                       .order_by(PeriodMark.id).limit(2)).all()
        assert rows, "the demo teacher has set period marks"
        for row in rows:
            tx.delete(row)
    items = todo.period_marks_overdue(teacher)
    assert items and sum(i.missing for i in items) >= 2
    at = open_app(login)
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == "todo")
    at.run()
    assert not at.exception, at.exception
    assert any("Не выставлены отметки за период" in m.value for m in at.markdown)
    first = items[0]
    link = next(l for l in at.get("page_link")
                if l.proto.label == f"{first.class_name}, {first.subject_name}: {first.period_name}")
    assert (f"class={first.class_id}&subject={first.subject_id}&date={first.period_ends_on.isoformat()}"
            in link.proto.query_string), link.proto.query_string
    assert any(f"нет у {first.missing} из {first.pupils} уч." in m.value for m in at.markdown)
