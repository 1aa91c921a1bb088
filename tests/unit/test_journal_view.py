"""The editor table of the journal and the edits taken back from it (no database)."""
from __future__ import annotations

from datetime import date

from services.journal.grid import Column, Grid, Pupil, PupilSummary
from services.journal.view import ABSENT, PERIOD, PUPIL, WAVG, cell_changes, layout, period_changes


def sample(no_attestation=False) -> Grid:
    cols = [Column(10, 100, date(2026, 11, 10), 2, 1, "Работа на уроке", 1.0, True, "", "10.11 №2", "h1", 7),
            Column(11, None, date(2026, 11, 12), 2, 1, "Работа на уроке", 1.0, True, "", "12.11 №2", "h2", 8)]
    pupils = [Pupil(1, "Алексеев Антон", ((date(2026, 9, 1), None),)),
              Pupil(2, "Борисова Бэлла", ((date(2026, 9, 1), date(2026, 11, 11)),))]
    cells = {(1, "10.11 №2"): "5/4", (1, "12.11 №2"): "", (2, "10.11 №2"): "Н", (2, "12.11 №2"): "—"}
    sums = {1: PupilSummary(4.5, 4.5, 0, 1, "", 5), 2: PupilSummary(None, None, 1, 0, "3", None)}
    return Grid(1, 5, "5А", 3, "Математика", None, 2, "2 четверть", "five", no_attestation, "Europe/Moscow",
                "never", cols, pupils, cells, sums, frozenset({10}))


def test_layout_rows_columns_and_editability():
    lay = layout(sample())
    assert list(lay.frame[PUPIL]) == ["Алексеев Антон", "Борисова Бэлла"]
    assert list(lay.frame["10.11 №2"]) == ["5/4", "Н"]
    assert list(lay.frame[WAVG]) == ["4,50", ""] and list(lay.frame[ABSENT]) == [0, 1]
    assert lay.editable_columns == ["10.11 №2", PERIOD]  # the other lesson is someone else's
    assert lay.help["12.11 №2"] == "h2"


def test_no_attestation_has_no_period_mark():
    lay = layout(sample(no_attestation=True))
    assert PERIOD not in lay.frame.columns and PERIOD not in lay.editable_columns


def test_edits_become_changes():
    g = sample()
    changes = cell_changes(g, {"0": {"10.11 №2": "5", WAVG: "x"}, 1: {"12.11 №2": "—"}})
    assert [(c.student_id, c.lesson_id, c.work_id, c.old, c.new) for c in changes] == [(1, 10, 100, "5/4", "5")]
    assert [(c.student_id, c.old, c.new) for c in period_changes(g, {1: {PERIOD: "4"}, 0: {PERIOD: ""}})] == [
        (2, "3", "4")]
