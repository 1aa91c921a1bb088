"""The rules of a result of ВПР, ОГЭ, ЕГЭ (services/rules/exams.py): ranges, which kind has a test score
and which a mark, the grades, the dates, the year mark it is compared with, and objectivity."""
from __future__ import annotations

from datetime import date

import pytest

from services.rules import exams as r


def fields(problems):
    return sorted(p.field for p in problems)


@pytest.mark.parametrize("text,code", [("ВПР", "vpr"), (" огэ ", "oge"), ("ЕГЭ", "ege"), ("Единый государственный "
                                       "экзамен", "ege"), ("ГИА-9", "oge"), ("vpr", "vpr"), ("ОГЕ", None), ("", None)])
def test_kind_of(text, code):
    assert r.kind_of(text) == code


def test_valid_results_of_each_kind():
    assert r.check("vpr", 12, None, 4, grade=5) == []
    assert r.check("oge", 0, None, 2, grade=9) == []
    assert r.check("ege", 100, 100, None, grade=11) == []
    assert r.check("ege", 5, 0, None, grade=10) == []


@pytest.mark.parametrize("kind,primary,test,mark,bad", [
    ("vpr", None, None, 4, ["primary_score"]),
    ("vpr", -1, None, 4, ["primary_score"]),
    ("vpr", 101, None, 4, ["primary_score"]),
    ("vpr", 10, None, None, ["mark"]),
    ("vpr", 10, None, 1, ["mark"]),
    ("vpr", 10, None, 6, ["mark"]),
    ("oge", 10, 70, 4, ["test_score"]),
    ("ege", 10, None, None, ["test_score"]),
    ("ege", 10, 101, None, ["test_score"]),
    ("ege", 10, -5, None, ["test_score"]),
    ("ege", 10, 70, 4, ["mark"]),
    ("ege", 10.5, 70, None, ["primary_score"]),
    ("ege", True, 70, None, ["primary_score"]),
    ("zno", 10, None, 4, ["kind"]),
])
def test_ranges(kind, primary, test, mark, bad):
    problems = r.check(kind, primary, test, mark)
    assert fields(problems) == bad
    assert all(p.message and p.message[0].islower() for p in problems)   # Russian, read after «столбец: …»


@pytest.mark.parametrize("kind,grade,ok", [("vpr", 4, True), ("vpr", 3, False), ("vpr", 11, True), ("oge", 9, True),
                                           ("oge", 8, False), ("oge", 10, False), ("ege", 11, True), ("ege", 10, True),
                                           ("ege", 9, False)])
def test_grades(kind, grade, ok):
    problems = r.check(kind, 10, 50 if kind == "ege" else None, None if kind == "ege" else 3, grade=grade)
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == ["grade"] and "класс" in problems[0].message


def test_dates():
    today = date(2026, 5, 20)
    assert fields(r.check("vpr", 1, None, 3, held_on=date(2026, 5, 21), today=today)) == ["held_on"]
    assert fields(r.check("vpr", 1, None, 3, held_on=date(2026, 9, 1), year_start=2025)) == ["held_on"]
    assert r.check("vpr", 1, None, 3, held_on=date(2026, 8, 31), year_start=2025, today=date(2026, 9, 1)) == []


def test_the_year_mark_is_the_annual_else_the_last_period_ended_before_the_work():
    periods = [(date(2025, 10, 24), 5), (date(2025, 12, 28), 3), (date(2026, 3, 20), None), (date(2026, 5, 30), 2)]
    assert r.year_mark(4, periods, date(2026, 4, 10)) == 4
    assert r.year_mark(None, periods, date(2026, 4, 10)) == 3      # the March mark is no number («н/а»)
    assert r.year_mark(None, periods, date(2025, 12, 28)) == 3     # a period ending that day counts
    assert r.year_mark(None, periods, date(2025, 10, 1)) is None
    assert r.year_mark(None, [], date(2026, 4, 10)) is None


def test_objectivity():
    o = r.objectivity([(4, 5), (4, 4), (4, 2), (3, None), (None, 4)])
    assert (o.results, o.compared, o.differing) == (5, 3, 2)
    assert o.mean_difference == pytest.approx(1 / 3) and o.share == pytest.approx(200 / 3)
    empty = r.objectivity([(None, 4)])
    assert empty.compared == 0 and empty.share is None and empty.mean_difference is None
    assert r.differs(-1) and r.differs(2) and not r.differs(0) and not r.differs(None)


def test_describe():
    assert r.describe("ege", 21, 72, None) == "первичный балл 21, тестовый балл 72"
    assert r.describe("oge", 18, None, 4) == "первичный балл 18, отметка 4"
