"""«Мониторинг ФСН»: the contingent as form ОО-1 asks for it, on screen and as XLSX."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from services.control import indicators_fsn
from services.core import auth, clock
from services.core.policy import AccessDenied
from tests.integration import indicators_world as iwm


@pytest.fixture
def world(db_url):
    clock.set_now(iwm.NOW)
    try:
        yield iwm.build()
    finally:
        clock.set_now(None)


def test_contingent_on_a_date(world):
    w = world
    monitor = auth.actor_for_user(w.users["monitor_a"])
    report = indicators_fsn.contingent(monitor, w.a, date(2025, 11, 20))
    by_grade = {g["grade"]: (g["classes"], g["pupils"], g["boys"], g["girls"]) for g in report.grades}
    # 1А: Жуков, Зайцева; 5А: Алексеев, Борисова, Григорьева (Васильев left on 10 Nov); 9А: Дмитриев, Егорова
    assert by_grade[1] == (1, 2, 1, 1) and by_grade[5] == (1, 3, 1, 2) and by_grade[9] == (1, 2, 1, 1)
    assert by_grade[4] == (0, 0, 0, 0) and report.total == 7
    assert [(lv["classes"], lv["pupils"], lv["average"]) for lv in report.levels] == [(1, 2, 2.0), (2, 5, 2.5),
                                                                                     (0, 0, None)]
    # full years on 1 January 2026: born 1 March 2018 → 7, 2014 → 11, 2010 → 15
    assert report.ages == {(7, 1): 2, (11, 5): 3, (15, 9): 2}
    assert report.staff == [{"position": "Учитель", "people": 4}]
    # on 1 November Васильев was still there
    assert indicators_fsn.contingent(monitor, w.a, date(2025, 11, 1)).total == 7 + 1 - 1  # Григорьева not yet
    data = indicators_fsn.to_xlsx(monitor, report, w.a)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["По параллелям", "По возрасту", "Классы", "Работники"]
    rows = list(wb["По параллелям"].iter_rows(values_only=True))
    assert ("Всего", 3, 7, 3, 4) in rows
    text = " ".join(str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r if c)
    assert "Алексеев" not in text
    # a position typed as «=…» stays text (issue 6, item 6)
    report.staff.append({"position": '=HYPERLINK("http://example.test","x")', "people": 1})
    from tests.integration import readback
    readback.no_formulas(indicators_fsn.to_xlsx(monitor, report, w.a))


def test_who_may_see_it(world):
    w = world
    with pytest.raises(AccessDenied):
        indicators_fsn.contingent(auth.actor_for_user(w.users["t_math"]), w.a, date(2025, 11, 20))
    with pytest.raises(AccessDenied):
        indicators_fsn.contingent(auth.actor_for_user(w.users["coord"]), w.a, date(2025, 11, 20))
    assert indicators_fsn.contingent(auth.actor_for_user(w.users["director"]), w.a, date(2025, 11, 20)).total == 7
