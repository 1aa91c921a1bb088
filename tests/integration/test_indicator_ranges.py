"""Issue 18: indicators over chosen dates that cut a month or a period (bugs 2 and 5), on the
hand-built world (tests/integration/indicators_world.py) with ten more maths lessons of 9А in
November (5, 6, 7, 10, 12, 13, 14 Nov № 2 and 5, 6, 7 Nov № 3), where nobody is absent: P5's
November is then 12 lessons with 2 unexcused misses (L18 on 11 Nov, L19 on 18 Nov)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from checks import runner, snapshot
from checks.scope import Scope
from sqlmodel import select

from models import CurriculumItem, Lesson, Mark, Subject, Work, WorkType
from models.db import transaction
from tests.integration import indicators_world as iwm

EXTRA = [(d, 2) for d in (5, 6, 7, 10, 12, 13, 14)] + [(d, 3) for d in (5, 6, 7)]


@pytest.fixture(scope="module")
def world(tmp_path_factory, sqlite_template):
    with iwm.built_world("sqlite", tmp_path_factory.mktemp("ranges"), sqlite_template) as (w, _):
        with transaction() as tx:
            for day, number in EXTRA:
                start, end = iwm.BELLS[number]
                ended = datetime.combine(date(2025, 11, day), end, iwm.MSK).astimezone(timezone.utc)
                tx.add(Lesson(school_id=w.a, class_id=w.classes["9А"], subject_id=w.subjects["math"],
                              teacher_id=w.staff["math"], period_id=w.periods["q2"], lesson_date=date(2025, 11, day),
                              lesson_number=number, starts_at=start, ends_at=end, held=True, topic="Повторение",
                              topic_entered_at=ended, attendance_taken_at=ended))
            # bug 7: a «зачёт» subject without current marks in 9А, and three «н/а» of P2 in Russian, 1 четверть
            orkse = Subject(school_id=w.a, name="ОРКСЭ")
            tx.add(orkse)
            tx.flush()
            tx.add(CurriculumItem(school_id=w.a, class_id=w.classes["9А"], subject_id=orkse.id, hours_per_week=1,
                                  marking="pass_fail"))
            work = Work(school_id=w.a, lesson_id=w.lessons["L3"].id, work_type_id=tx.exec(
                select(WorkType.id).where(WorkType.school_id == w.a, WorkType.is_default)).one(),
                created_at=iwm.msk(10, 7, 12))
            tx.add(work)
            tx.flush()
            for pos in range(3):
                tx.add(Mark(school_id=w.a, work_id=work.id, student_id=w.pupils["P2"], position=pos, value="н/а",
                            entered_at=iwm.msk(10, 7, 12)))
            # bug 10: a lesson of 5А marked as held on 4 November, День народного единства
            start, end = iwm.BELLS[2]
            tx.add(Lesson(school_id=w.a, class_id=w.classes["5А"], subject_id=w.subjects["rus"],
                          teacher_id=w.staff["rus"], lesson_date=date(2025, 11, 4), lesson_number=2, starts_at=start,
                          ends_at=end, held=True, topic="Урок в праздник"))
            # and one of school B (no holidays in its calendar) on 3 November, a day off moved by decree
            b1 = w.lessons["B1"]
            tx.add(Lesson(school_id=w.b, class_id=b1.class_id, subgroup_id=b1.subgroup_id, subject_id=b1.subject_id,
                          teacher_id=b1.teacher_id, lesson_date=date(2025, 11, 3), lesson_number=1,
                          starts_at=b1.starts_at, ends_at=b1.ends_at, held=True, topic="Урок в выходной"))
        snapshot.refresh()
        yield w


def value(w, indicator_id, d1, d2):
    with runner.run(Scope((w.a,), d1, d2)) as run:
        r = {x.id: x for x in run.values((indicator_id,))}[indicator_id]
    return r.value, r.numerator, r.denominator


def test_systemic_absence_cuts_lessons_and_misses_to_the_same_dates(world):
    # the whole of November: 2 of 12 lessons (17 %) — not flagged
    assert value(world, "systemic_absence", date(2025, 11, 1), date(2025, 11, 30))[1] == 0
    # 17–19 Nov: P5's only lesson (L19) missed — 1 of 1; before the fix 2 misses of the month's 12 lessons
    assert value(world, "systemic_absence", date(2025, 11, 17), date(2025, 11, 19)) == (14.29, 1, 7)
    # 1–11 Nov: 1 (L18) of 8 lessons (5, 6, 7 twice, 10, 11) — not flagged
    assert value(world, "systemic_absence", date(2025, 11, 1), date(2025, 11, 11))[1] == 0


def test_deputy_pupils_without_marks_or_with_one_count_pupil_subject_pairs(world):
    """Issue 18, bug 3. Pairs: 5А P1, P2, P4 × maths, Russian, English = 9; 9А P5, P6 × maths = 2;
    1А's maths is «Без аттестации» (first grade) and 9А's ОРКСЭ a «зачёт»: none. Without marks: P4 in
    Russian (only «н/а»; before: P7 and P8 of 1А, 2 of 7 pupils); exactly one mark: P2 in Russian (a «5»
    and three «н/а»; before: per pupil over all subjects, 0)."""
    year = (iwm.YEAR_FROM, iwm.YEAR_TO)
    assert value(world, "dep_pupils_no_marks", *year) == (9.09, 1, 11)
    assert value(world, "dep_pupils_one_mark", *year) == (9.09, 1, 11)


def test_mark_accumulation_skips_subjects_without_marks_and_na(world):
    """Issue 18, bug 7. The 18 units of test_indicators_values (11 reach the norm); 9А's ОРКСЭ adds none
    (before: 4 units, the two of 1 четверть failing); P2's three «н/а» in Russian are no marks, so P2
    still misses the norm of 3 (before: reached it)."""
    assert value(world, "mark_accumulation", iwm.YEAR_FROM, iwm.YEAR_TO) == (61.11, 11, 18)


def test_olympiad_coverage_counts_stages_held_within_the_dates(world):
    """Issue 18, bug 5: every result and venue of the world is dated 1 October 2025."""
    sept = (date(2025, 9, 1), date(2025, 9, 15))
    assert value(world, "olymp_school_stage", *sept) == (0.0, 0, 5)          # before: 3 of 5
    assert value(world, "olymp_regional_stage", *sept) == (0.0, 0, 2)
    assert value(world, "olymp_venues", *sept)[0] == 0                         # before: 2
    october = (date(2025, 9, 15), date(2025, 10, 15))
    # P3 is still at school (left 10 Nov), P4 not yet: P1, P2, P3, P5 of P1, P2, P3, P5, P6
    assert value(world, "olymp_school_stage", *october) == (80.0, 4, 5)
    assert value(world, "olymp_venues", *october)[0] == 2


def test_a_lesson_held_on_a_day_off_is_a_finding(world):
    """Issue 18, bug 10: the check flags the lesson of 4 November; no other lesson of the world is on a
    day off (3 Nov 2025 is one too, by decree, but nothing was held)."""
    with runner.run(Scope((world.a,), iwm.YEAR_FROM, iwm.YEAR_TO)) as run:
        found = run.findings("ctl_lessons_on_days_off")
    assert [(f.lesson_date, f.what) for f in found] == [
        (date(2025, 11, 4), "Урок проведён в нерабочий день: Осенние каникулы")]
    with runner.run(Scope((world.b,), iwm.YEAR_FROM, iwm.YEAR_TO)) as run:
        found = run.findings("ctl_lessons_on_days_off")
    assert [(f.lesson_date, f.what) for f in found] == [
        (date(2025, 11, 3), "Урок проведён в нерабочий день: официальный выходной 03.11.2025")]
