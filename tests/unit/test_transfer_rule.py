"""R-CON-4 (issue 18, bug 1): the class that sets a period mark of a pupil who changed class."""
from datetime import date

from services.rules.transfer import owner_class

START, END = date(2026, 1, 12), date(2026, 3, 20)


def test_the_class_at_the_end_of_the_period_sets_it():
    moved = [(1, date(2025, 9, 1), date(2026, 2, 9)), (2, date(2026, 2, 10), None)]
    assert owner_class(moved, START, END) == 2
    assert owner_class(moved, START, date(2026, 2, 1)) == 1          # a period that ended before the move
    left = [(1, date(2025, 9, 1), date(2026, 2, 9))]                  # left the school: the last class
    assert owner_class(left, START, END) == 1
    assert owner_class([(1, date(2025, 9, 1), date(2025, 12, 28))], START, END) is None
    # moved back and forth: the later enrolment wins
    back = [(1, date(2025, 9, 1), date(2026, 2, 9)), (2, date(2026, 2, 10), date(2026, 3, 1)),
            (1, date(2026, 3, 2), None)]
    assert owner_class(back, START, END) == 1
