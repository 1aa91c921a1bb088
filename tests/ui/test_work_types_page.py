"""«Виды работ» in AppTest (issue 15): the administrator edits, a bad weight is refused with the
type's name and changes nothing, the director only sees; the weight note is on the screen."""
from __future__ import annotations

from sqlmodel import select

from models import WorkType
from models.db import reading
from tests.ui.conftest import button, render_page


def _weights(school_id):
    with reading() as tx:
        return {w.name: w.weight for w in tx.exec(select(WorkType).where(WorkType.school_id == school_id)).all()}


def _edit(at, edited=None, added=None):
    keys = [k for k in at.session_state if str(k).startswith("worktypes_") and str(k).count("_") == 2]
    assert len(keys) == 1, keys
    at.session_state[keys[0]] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception


def test_admin_edits_work_types_and_a_bad_weight_changes_nothing(world, monkeypatch):
    at = render_page(monkeypatch, "pages.planning.work_types", world.ids["admin1"], world.school_id)
    assert not at.exception, at.exception
    assert any("меняет средний балл" in w.value for w in at.warning)
    row = {n: i for i, n in enumerate(_row_names(world.school_id))}
    _edit(at, edited={row["Тест"]: {"Вес": 7.0}, row["Диктант"]: {"Название": "Словарный диктант"}})
    button(at, "Сохранить").click()
    at.run()
    assert at.error and "«Тест»" in at.error[0].value and "от 0,5 до 5" in at.error[0].value
    assert "Словарный диктант" not in _weights(world.school_id)
    _edit(at, edited={row["Тест"]: {"Вес": 2.5}}, added=[{"Название": "Проект", "Вес": 2.0}])
    button(at, "Сохранить").click()
    at.run()
    assert not at.exception and not at.error
    weights = _weights(world.school_id)
    assert weights["Тест"] == 2.5 and weights["Проект"] == 2.0


def _row_names(school_id):
    from services.core.actor import SYSTEM
    from services.planning import work_types
    return [t.name for t in work_types.list_types(SYSTEM, school_id)]


def test_director_sees_but_does_not_edit(world, monkeypatch):
    at = render_page(monkeypatch, "pages.planning.work_types", world.ids["director1"], world.school_id)
    assert not at.exception, at.exception
    assert "Сохранить" not in [b.label for b in at.button]
    assert any("меняет администратор" in c.value for c in at.caption)


def test_teacher_is_refused(world, monkeypatch):
    at = render_page(monkeypatch, "pages.planning.work_types", world.ids["teacher1"], world.school_id)
    assert at.error and "Недостаточно прав" in at.error[0].value
