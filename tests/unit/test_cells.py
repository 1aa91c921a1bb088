"""The journal cell grammar (R-JRN-3), with property-based tests."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from services.rules.cells import (
    ATTENDANCE_CODES, Cell, CellError, FIVE_POINT, format_cell, parse_cell,
)

five = st.sampled_from(FIVE_POINT)
attendance = st.sampled_from([None, "absent", "ill", "excused", "late"])


@st.composite
def valid_cells(draw):
    att = draw(attendance)
    if att in ("absent", "ill", "excused"):
        marks = draw(st.sampled_from([(), ("н/а",)]))
    else:
        kind = draw(st.sampled_from(["none", "one", "two", "word"]))
        marks = {"none": (), "one": (draw(five),), "two": (draw(five), draw(five)),
                 "word": (draw(st.sampled_from(["осв", "н/а"])),)}[kind]
    return Cell(marks=marks, attendance=att)


@given(valid_cells())
def test_format_then_parse_is_identity(cell):
    assert parse_cell(format_cell(cell)) == cell


@given(valid_cells(), st.sampled_from([" ", "  "]))
def test_spacing_and_case_do_not_matter(cell, pad):
    text = pad + format_cell(cell).lower() + pad
    assert parse_cell(text) == cell


@given(st.integers(min_value=6, max_value=1000) | st.integers(max_value=0))
def test_marks_outside_1_to_5_are_refused(n):
    with pytest.raises(CellError, match="от 1 до 5|непонятная|длинная"):
        parse_cell(str(n))


@given(st.text(max_size=30))
def test_any_text_parses_or_raises_a_russian_error(text):
    try:
        cell = parse_cell(text)
    except CellError as e:
        assert any("а" <= ch <= "я" for ch in str(e).lower())
    else:
        assert len(cell.marks) <= 2
        assert cell.attendance in (None, *ATTENDANCE_CODES.values())


@pytest.mark.parametrize("text,marks,att", [
    ("5", ("5",), None), ("5 4", ("5", "4"), None), ("5/4", ("5", "4"), None),
    ("н", (), "absent"), ("Б", (), "ill"), ("у", (), "excused"), ("О 5", ("5",), "late"),
    ("H", (), "absent"), ("осв", ("осв",), None), ("Н/А", ("н/а",), None), ("", (), None),
])
def test_examples(text, marks, att):
    assert parse_cell(text) == Cell(marks, att)


@pytest.mark.parametrize("text,message", [
    ("7", "от 1 до 5"), ("54", "от 1 до 5"), ("Н 5", "Отсутствовавшему"), ("5 4 3", "Не больше 2"), ("Н Б", "один код"),
    ("осв 5", "одна"), ("зач", "а не зачёт"), ("x", "непонятная"), ("5" * 25, "длинная"),
])
def test_refusals(text, message):
    with pytest.raises(CellError, match=message):
        parse_cell(text)


def test_pass_fail_subjects():
    assert parse_cell("зач", marking="pass_fail").marks == ("зач",)
    assert parse_cell("незачёт", marking="pass_fail").marks == ("незач",)
    with pytest.raises(CellError, match="зач"):
        parse_cell("5", marking="pass_fail")
