"""Issue 13, item 3: every import asks the policy before it reads a byte of the upload (SQLite and
PostgreSQL). A teacher who may not load the roster, the timetable or olympiad results, or another
teacher's КТП, is refused with the policy's message and an audited denial, even with a file that
cannot be read at all: the file was never opened; those allowed still get the reader's reason."""
from __future__ import annotations

import pytest
from sqlmodel import func, select

from models import AuditEvent
from models.db import reading
from services.control import olympiads
from services.core.policy import AccessDenied
from services.people import rosters_import
from services.planning import lesson_plans, timetable_import
from tests.integration.test_lesson_plans import w  # noqa: F401  (the fixture: the timetable world, 5А's week)

JUNK = b"PK\x03\x04 this is no workbook"


def denials() -> int:
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")).one()


def imports(w):
    """Each import as (who may not, who may) → a call with the junk file."""
    plan_id = lesson_plans.create_plan(w.actor("math"), w.school_id, w.subjects["math"], class_id=w.classes["5А"])
    return {
        "roster": (("math", "admin"), lambda a: rosters_import.run_import(a, w.school_id, "pupils", JUNK, "x.xlsx",
                                                                         dry_run=True)),
        "roster headers": (("math", "admin"), lambda a: rosters_import.read_headers(a, w.school_id, "pupils", JUNK,
                                                                                    "x.xlsx")),
        "timetable": (("math", "deputy5"), lambda a: timetable_import.run_import(a, w.school_id, JUNK, "x.xlsx",
                                                                                dry_run=True)),
        "lesson plan": (("rus", "math"), lambda a: lesson_plans.import_topics(a, plan_id, JUNK, "x.xlsx",
                                                                            dry_run=True)),
        "olympiads": (("math", "deputy5"), lambda a: olympiads.import_results(a, w.school_id, JUNK, "x.xlsx",
                                                                             dry_run=True)),
    }


def test_the_policy_is_asked_before_the_file_is_read(w):
    for name, ((stranger, allowed), run) in imports(w).items():
        before = denials()
        with pytest.raises(AccessDenied, match="Недостаточно прав"):
            run(w.actor(stranger))
        assert denials() == before + 1, name
        # the one who may import gets the reader's reason for the same file, as a result or an error
        try:
            outcome = run(w.actor(allowed))
        except Exception as e:  # read_headers raises the reader's error
            outcome = e
        reason = str(outcome) if isinstance(outcome, Exception) else outcome.errors[0].message
        assert reason.startswith(("Файл повреждён", "Файл не читается")), (name, reason)
        assert denials() == before + 1, name
