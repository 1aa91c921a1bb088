"""The journal grid as a table for st.data_editor, and the editor's edits back as changes.

Rows are pupils (in the grid's order), columns are «Ученик», one column per work, then the
read-only summary columns and the editable period mark. Nothing here touches the database.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from services.journal.edits import CellChange
from services.journal.grid import Grid, diff
from services.journal.period_marks import PeriodMarkChange
from services.rules.averages import round_from_text, show

PUPIL = "Ученик"
AVG = "Ср. балл"
WAVG = "Ср. взвеш."
ABSENT = "Пропуски"
LATE = "Опоздания"
SUGGESTED = "Расчётная"
PERIOD = "За период"
SUMMARY = (AVG, WAVG, ABSENT, LATE, SUGGESTED)


@dataclass(frozen=True)
class EditorLayout:
    frame: pd.DataFrame
    work_columns: list[str]
    editable_columns: list[str]
    help: dict[str, str]
    show_period_mark: bool


def layout(grid: Grid) -> EditorLayout:
    data: dict[str, list] = {PUPIL: [p.name for p in grid.pupils]}
    for col in grid.columns:
        data[col.label] = [grid.cells[(p.student_id, col.label)] for p in grid.pupils]
    sums = [grid.summaries[p.student_id] for p in grid.pupils]
    data[AVG] = [show(s.average) for s in sums]
    data[WAVG] = [show(s.weighted) for s in sums]
    data[ABSENT] = [s.absences for s in sums]
    data[LATE] = [s.lates for s in sums]
    show_period = not grid.no_attestation
    if show_period:
        data[SUGGESTED] = ["" if s.suggested is None else str(s.suggested) for s in sums]
        data[PERIOD] = [s.period_mark for s in sums]
    frame = pd.DataFrame(data, dtype=object)
    frame[ABSENT] = frame[ABSENT].astype(int)
    frame[LATE] = frame[LATE].astype(int)
    editable = [c.label for c in grid.columns if c.lesson_id in grid.editable_lessons]
    if show_period and grid.editable_lessons is not None and _may_set_period(grid):
        editable.append(PERIOD)
    help_ = {c.label: c.help for c in grid.columns}
    help_[SUGGESTED] = "Средневзвешенный балл, " + round_from_text(grid.mark_round_from) + " (настройка школы)"
    help_[PERIOD] = "Отметка за период: 1–5, н/а, осв (или зач/незач)" + "".join(
        f"; {p.name} — только просмотр: выставляет класс {grid.summaries[p.student_id].period_mark_owner}"
        for p in grid.pupils if grid.summaries[p.student_id].period_mark_owner)
    return EditorLayout(frame=frame, work_columns=[c.label for c in grid.columns], editable_columns=editable,
                        help=help_, show_period_mark=show_period)


def _may_set_period(grid: Grid) -> bool:
    # the teacher who fills any lesson of this journal sets its period marks (the service re-checks)
    return bool(grid.editable_lessons)


def cell_changes(grid: Grid, edited_rows: dict) -> list[CellChange]:
    """Changes from st.data_editor's state {"edited_rows": {row: {column: value}}}."""
    edited = {}
    work_labels = {c.label for c in grid.columns}
    for row, values in (edited_rows or {}).items():
        pupil = grid.pupils[int(row)]
        for column, value in values.items():
            if column in work_labels:
                edited[(pupil.student_id, column)] = "" if value is None else str(value)
    return diff(grid, edited)


def period_changes(grid: Grid, edited_rows: dict) -> list[PeriodMarkChange]:
    out = []
    for row, values in (edited_rows or {}).items():
        if PERIOD in values:
            pupil = grid.pupils[int(row)]
            old = grid.summaries[pupil.student_id].period_mark
            new = "" if values[PERIOD] is None else str(values[PERIOD]).strip()
            if new != old:
                out.append(PeriodMarkChange(pupil.student_id, old, new))
    return out
