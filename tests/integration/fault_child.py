"""The app process of the fault tests: saves journal cells through services.journal.grid.save_cells,
as the journal page does, and says on stdout what it is doing, so that the test can kill it
(SIGKILL) at any moment and then know which saves were accepted.

    python -m tests.integration.fault_child USER_ID CLASS_ID SUBJECT_ID PERIOD_ID [--once]

DATABASE_URL and PORTAL_FAKE_NOW come from the environment. Each save changes three cells of
one lesson; before it the child prints `T n {"student:label": [old, new], ...}`, after the
service returned an accepted save `C n` (an accepted save is one the teacher was told is saved).
With --once it makes one save and exits.
"""
from __future__ import annotations

import json
import sys

VALUES = ("5", "4", "3")


def main(argv: list[str]) -> int:
    from models.db import reading
    from services.core import auth, clock
    from services.journal import grid as journal

    user_id, class_id, subject_id, period_id = (int(x) for x in argv[:4])
    once = "--once" in argv
    with reading() as tx:
        actor = auth.load_actor(tx, user_id)
    grid = journal.load_grid(actor, class_id, subject_id, period_id=period_id)
    today = clock.today()
    columns = [c.label for c in grid.columns if c.lesson_id in grid.editable_lessons and c.lesson_date <= today]
    columns = [c for c in columns if sum(p.enrolled_on(grid.column(c).lesson_date) for p in grid.pupils) >= 3]
    n = 0
    while True:
        column = columns[n % len(columns)]
        pupils = [p.student_id for p in grid.pupils if p.enrolled_on(grid.column(column).lesson_date)][:3]
        edits = {}
        for k, pupil in enumerate(pupils):
            current = grid.cells.get((pupil, column), "")
            edits[(pupil, column)] = next(v for v in VALUES[(n + k) % 3:] + VALUES if v != current)
        print(f"T {n} " + json.dumps({f"{s}:{c}": [grid.cells.get((s, c), ""), v] for (s, c), v in edits.items()},
                                     ensure_ascii=False), flush=True)
        result = journal.save_cells(actor, journal.diff(grid, edits))
        if not (result.ok and result.committed):
            print("E " + "; ".join(p.message for p in result.errors + result.conflicts), flush=True)
            return 1
        print(f"C {n}", flush=True)
        grid.cells.update(edits)
        n += 1
        if once:
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
