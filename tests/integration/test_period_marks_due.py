"""Period marks on time (1.13, issue 16 item 7): due by the end of the holidays after the period;
the teacher's to-do lists the classes and subjects whose marks are missing, until they are set."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import select

from models import CurriculumItem, Holiday, StudyPeriod
from models.db import transaction
from checks import snapshot
from services.control import indicators
from services.control.indicators import Choice
from services.core import auth
from services.journal import period_marks, todo
from services.journal.period_marks import PeriodMarkChange
from tests.integration.test_all_present import MSK, actor, control_findings, jw  # noqa: F401 (fixture)


def autumn_holidays(jw):
    with transaction() as tx:
        q1 = tx.exec(select(StudyPeriod).where(StudyPeriod.school_id == jw.school_id,
                                               StudyPeriod.number == 1)).one()
        tx.add(Holiday(school_id=jw.school_id, year_id=q1.year_id, name="Осенние каникулы", kind="vacation",
                       starts_on=date(2026, 10, 26), ends_on=date(2026, 11, 4)))
        return q1.id


def test_missing_period_marks_are_due_after_the_holidays_and_leave_the_todo_once_set(jw, frozen_clock):
    q1 = autumn_holidays(jw)
    math, rus = actor(jw, "math"), actor(jw, "rus")
    frozen_clock(datetime(2026, 11, 4, 23, 0, tzinfo=MSK))  # still the holidays: not due yet
    assert todo.period_marks_overdue(math) == []
    frozen_clock(datetime(2026, 11, 5, 8, 0, tzinfo=MSK))
    [item] = todo.period_marks_overdue(math)
    # enrolled on the period's last day: Алексеев, Борисова, Васильев (Григорьева came in November)
    assert (item.class_name, item.subject_name, item.period_name, item.missing, item.pupils) == (
        "5А", "Математика", "1 четверть", 3, 3)
    assert item.due == datetime(2026, 11, 4, 23, 59, 59, tzinfo=MSK)
    period_marks.save(math, jw.class_id, jw.math, q1, [PeriodMarkChange(jw.pupils["Алексеев"], "", "5"),
                                                       PeriodMarkChange(jw.pupils["Борисова"], "", "н/а")])
    assert [i.missing for i in todo.period_marks_overdue(math)] == [1]
    period_marks.save(math, jw.class_id, jw.math, q1, [PeriodMarkChange(jw.pupils["Васильев"], "", "4")])
    assert todo.period_marks_overdue(math) == []
    # the Russian teacher owes theirs, unless the subject is «Без аттестации»
    assert [(i.subject_name, i.missing) for i in todo.period_marks_overdue(rus)] == [("Русский язык", 3)]
    with transaction() as tx:
        item = tx.exec(select(CurriculumItem).where(CurriculumItem.subject_id == jw.rus)).one()
        item.no_attestation = True
        tx.add(item)
    assert todo.period_marks_overdue(rus) == []
    assert todo.period_marks_overdue(actor(jw, "parent")) == []


def test_the_control_check_reports_missing_period_marks_after_the_holidays(jw, frozen_clock):
    q1 = autumn_holidays(jw)
    math = actor(jw, "math")
    frozen_clock(datetime(2026, 11, 4, 12, 0, tzinfo=MSK))
    assert control_findings(jw, "eop_period_marks_due", None) == set()  # the holidays are not over
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    period_marks.save(math, jw.class_id, jw.math, q1, [PeriodMarkChange(jw.pupils["Алексеев"], "", "5")])
    assert control_findings(jw, "eop_period_marks_due", None, what_of=True) == {
        "Нет отметки за 1 четверть у 2 уч. (срок — 04.11.2026)"}
    period_marks.save(math, jw.class_id, jw.math, q1, [PeriodMarkChange(jw.pupils["Борисова"], "", "4"),
                                                       PeriodMarkChange(jw.pupils["Васильев"], "", "4")])
    assert control_findings(jw, "eop_period_marks_due", None) == set()


def test_the_deputys_dashboard_shows_the_share_of_missing_period_marks(jw, frozen_clock):
    q1 = autumn_holidays(jw)
    math = actor(jw, "math")
    period_marks.save(math, jw.class_id, jw.math, q1, [PeriodMarkChange(jw.pupils["Алексеев"], "", "5")])
    director = auth.actor_for_user(jw.users["director"])
    choice = Choice(date(2026, 9, 1), date(2026, 12, 28))

    def missing():
        snapshot.refresh()
        row = next(r for r in indicators.dashboard(director, jw.school_id, choice).deputy
                   if r.id == "dep_period_marks_missing")
        return row.numerator, row.denominator, row.status

    # 3 pupils × 2 subjects of the first quarter are owed; one mark is there
    assert missing()[:2] == (5, 6)
    columns, rows, _ = indicators.drilldown(director, jw.school_id, choice, "dep_period_marks_missing")
    assert columns == ["Класс", "Предмет", "Период", "Срок", "Нет отметки"]
    assert sorted(rows) == [("5А", "Математика", "1 четверть", "04.11.2026", 2),
                            ("5А", "Русский язык", "1 четверть", "04.11.2026", 3)]
    frozen_clock(datetime(2026, 11, 4, 12, 0, tzinfo=MSK))  # before the holidays end nothing is owed
    assert missing()[1] in (0, None)
