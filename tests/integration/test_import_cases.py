"""The folder of deliberately broken workbooks (tests/import_cases, R-CON-2): every expected error is
reported at its row and column, nothing is imported; the fixed file imports; imported twice,
it changes nothing. On SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import SQLModel, select

from models.db import reading
from services.core.actor import SYSTEM
from services.people import rosters_import
from tests.integration import roster_world

CASES = Path(__file__).resolve().parent.parent / "import_cases"
EXPECTED = json.loads((CASES / "expected.json").read_text(encoding="utf-8"))


def counts() -> dict[str, int]:
    with reading() as tx:
        return {name: tx.exec(select(func.count()).select_from(table)).one()
                for name, table in SQLModel.metadata.tables.items()}


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 9, 10, 9, 0, tzinfo=timezone.utc))
    return roster_world.build()


def run(rw, kind, name, **kw):
    return rosters_import.run_import(SYSTEM, rw.school_id, kind, CASES / name, name, **kw)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_workbook(rw, name):
    case = EXPECTED[name]
    if case["setup"]:
        assert run(rw, "pupils", case["setup"]).committed
    before = counts()
    result = run(rw, case["kind"], f"{name}.xlsx")
    assert sorted([e.row, e.column] for e in result.errors) == sorted(case["errors"]), \
        [e.text() for e in result.errors]
    assert sorted([w.row, w.column] for w in result.warnings) == sorted(case["warnings"]), \
        [w.text() for w in result.warnings]
    for e in result.errors:  # a Russian reason, and the value as the user typed it
        assert any("а" <= ch <= "я" for ch in e.message.lower()), e
    if case["errors"]:
        assert not result.committed and counts() == before, "a file with errors must change nothing"
        assert result.as_json()["created"] == 0
    else:
        assert result.committed
    if case["fixed"]:
        fixed = run(rw, case["kind"], case["fixed"])
        assert fixed.committed and not fixed.errors, [e.text() for e in fixed.errors]
        assert fixed.created + fixed.updated > 0
        after_first = counts()
        again = run(rw, case["kind"], case["fixed"])
        assert again.committed and again.created == 0 and again.updated == 0 and again.guardians_created == 0
        assert counts() == after_first, "importing the same file twice must change nothing"


def test_the_committed_workbooks_are_what_the_script_writes(tmp_path, monkeypatch):
    """make_cases.py is the source of the workbooks: regenerate into a temporary folder and
    compare cell by cell."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_cases", CASES / "make_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    assert json.loads((tmp_path / "expected.json").read_text(encoding="utf-8")) == EXPECTED
    for made in sorted(tmp_path.glob("*.xlsx")):
        def cells(path):
            return [list(r) for r in load_workbook(path).active.iter_rows(values_only=True)]
        assert cells(made) == cells(CASES / made.name), made.name
