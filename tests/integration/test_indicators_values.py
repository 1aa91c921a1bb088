"""Every indicator of INDICATORS.md (R-CTL-1, R-CTL-2) on the hand-built fixture
(tests/integration/indicators_world.py), computed by hand below, compared on SQLite and on
PostgreSQL (a snapshot taken from each).

Scope: school A, the school year 2025/2026; the clock (and so the snapshot) at Thu 20 Nov 2025
12:00 MSK, so the dates counted are 1 Sep – 20 Nov. Lessons L7 (cancelled), L22 (future) and L23
(not over yet) never count as lessons that took place.
"""
from __future__ import annotations

import pytest

from checks import registry, runner, snapshot
from checks.scope import Scope
from tests.integration import indicators_world as iwm

# Pupils counted (s_pupil), as of each class's last lesson day (20 Nov for 5А): 5А P1, P2, P4 (P3 left
# on 10 Nov), 9А P5, P6, 1А P7, P8 → 7.
#
# Units «pupil — subject — period» (subjects with attestation: 5А math, rus, eng; 9А math):
#   1 четверть (ended; pupils of 24 Oct: P1, P2 / P5, P6) — period marks, P6 has none:
#     5А math P1 5, P2 4; rus P1 4, P2 н/а; eng P1 осв (exempt), P2 3; 9А P5 2, P6: (3 + 4)/2 = 3,5 → 4
#   2 четверть (running, 5–20 Nov; P1, P2, P4 / P5, P6) — rounded weighted averages:
#     5А math P1 (5+4+2·5+5+4)/6 = 4,67 → 5; P2 (3+2+2·2+2)/5 = 2,2 → 2; P4 (2+2·3)/3 = 2,67 → 3
#     5А rus P1 (4+3)/2 = 3,5 → 4; P2 5; P4 only «н/а» as a current mark → no numeric mark, not counted
#     5А eng P1 5; P2 (3+2)/2 = 2,5 → 3; P4 3;  9А P5 (3+2)/2 = 2,5 → 3; P6 5 («осв» ignored)
#   N = 7 + 10 = 17: n5 = 1+4 = 5, n4 = 3+1 = 4, n3 = 1+4 = 5, n2 = 1+1 = 2, н/а = 1.
EXPECTED = {
    # per pupil and study period (issue 18, bug 8; as the attestation summary): P1 q1 (5, 4, осв), P1 q2
    # (5, 4, 5), P2 q1 (4, н/а, 3), P2 q2 (2, 5, 3), P4 q2 (3, 3), P5 q1 (2), P5 q2 (3), P6 q1 (4), P6 q2 (5);
    # without «2»/«н/а»: P1 ×2, P4, P5 q2, P6 ×2 → 6 / 9 (per mark it was 14 / 17)
    "success_rate": (66.67, 6, 9),
    # P2: 2, 2, 2 in a row in 5А math (12, 17, 19 Nov) and «н/а» for 1 четверть in rus;
    # P5: 2, 2, 2 in a row (7, 9, 14 Oct) and «2» for 1 четверть. P2's eng average 2,5 is not < 2,5;
    # P3 (average 2) has left. → 2 of 7
    "systemic_failure": (28.57, 2, 7),
    # unexcused («Н») ≥ 30 % of a month's lessons: P1 October 1 of 3 (L1..L3); P5 November 2 of 2
    # (L18, L19); P2's November misses are «Б»/«У»; P3 has left. → 2 of 7
    "systemic_absence": (28.57, 2, 7),
    # pupil-lessons of lessons held: 1 четверть L1 3, L2 3, L3 3, L4–L6 2+2+2 = 15;
    # November L8 4 (P1–P4), L9..L13 3 each = 15, L14 1, L15 2, L16 1, L17 2, L18 2, L19 2, L20 2 = 31 → 46;
    # missed (Н/Б/У, not «О»): L1 P1, L8 P3, L9 P2, L10 P2, L13 P2, L18 P5, L19 P5 = 7 → 39 / 46
    "attendance": (84.78, 39, 46),
    # 36 marks; late: L6 P5 (15 Oct 09:00), L9 P4 (21:30), L11 three marks (22:00). The test marks
    # of L10 entered 20 Nov are within 3 checking days. → 31 / 36
    "timely_marks": (86.11, 31, 36),
    # lessons of grades 2–11 that took place with homework given (issue 18, bug 4: a lesson without
    # homework is not late): L1, L3, L4, L8, L9, L11–L15, L18 = 11; within 3 h: all but L3, L11 → 9 / 11
    "timely_homework": (81.82, 9, 11),
    # per pupil and period, «4» and «5» only: P1 ×2, P6 ×2 → 4 / 9 (per mark it was 9 / 17)
    "knowledge_quality": (44.44, 4, 9),
    # (100·5 + 64·4 + 36·5 + 16·2 + 7·1) / 17 = 975 / 17
    "learning_degree": (57.35, 975, 17),
    # numeric marks: 1 четверть 5+4+4+4+4+2+3+2+4+2 = 34 (10); November 5А math 23+9+2+5 = 39 (12),
    # rus 4+5+3 = 12 (3), eng 5+3+3+5+2+3 = 21 (6), 9А 3+5+2 = 10 (3) → 116 / 34
    "average_mark": (3.41, 116, 34),
    # weight 2 for the five test marks (L2: 4, 4; L10: 5, 2, 3): 116 + 8 + 10 = 134; 34 + 5 = 39
    "weighted_average": (3.44, 134, 39),
    # grade 5 pupils with last year's annual marks: P1 (math 5→5, rus 4→4) — confirmed;
    # P2 (math 4→4, eng 4→3 lower; rus: «н/а» is no number) — lower; P4 came from elsewhere. → 1 / 2
    "grade5_adaptation": (50.0, 1, 2),
    # 5А English: group 1 average 5, group 2 (3+3+2+3)/4 = 2,75 — 2,25 apart → 0 of 1 within
    "group_similarity": (0.0, 0, 1),
    # ВПР/ОГЭ marks against the year mark (no annual yet: the 1 четверть mark, ended 24 Oct, before the work):
    # P1 math 4 vs 5 (−1, differs), P2 math 4 vs 4 (0), P5 ОГЭ 4 vs 2 (+2, differs); not compared: P2 rus
    # (1 четверть «н/а»), P1 eng («осв»), P2 eng (20 Oct: no period had ended), P6 (no period mark);
    # last year's result is another year → 2 / 3
    "exam_objectivity": (66.67, 2, 3),
    # eligible 4–11: P1, P2, P4, P5, P6; school stage: P1 (twice), P2, P5 (P3 left, P7 is in grade 1,
    # P1's result of last year is another year) → 3 / 5
    "olymp_school_stage": (60.0, 3, 5),
    # grades 7–11: P5, P6; municipal stage: P5 → 1 / 2
    "olymp_municipal_stage": (50.0, 1, 2),
    # grades 9–11: P5, P6; regional: P5 → 1 / 2
    "olymp_regional_stage": (50.0, 1, 2),
    # P6 at the final stage
    "olymp_final_stage": (1, 1, None),
    # grades 5–11: 5 pupils; P2 and P6 → 2 / 5
    "olymp_podmoskovnaya": (40.0, 2, 5),
    # P5 → 1 / 5
    "vzlet_programmes": (20.0, 1, 5),
    # nobody → 0 / 5
    "vzlet_online": (0.0, 0, 5),
    # two venues this year (last year's does not count)
    "olymp_venues": (2, 2, None),
    # teachers with the role (t_old's is revoked): math, rus, eng1 signed in, eng2 never → 3 / 4
    "activation_teachers": (75.0, 3, 4),
    # accounts of pupils counted: P1, P2, P4, P5, P6 (1А has none); signed in P1, P2, P5 → 3 / 5
    "activation_students": (60.0, 3, 5),
    # parents' accounts: G1 (of P1, P2), G4, G5, G7 (G6 has none, G3's child left); G4 never → 3 / 4
    "activation_parents": (75.0, 3, 4),
    # signed in within 7 days before 20 Nov 12:00: G1 (19 Nov), G7 (today 11:00); G5 on 10 Nov → 2 / 4
    "parent_engagement": (50.0, 2, 4),
    # linked to ЕСИА and used: math only (rus linked, never used) → 1 / 4
    "esia_teachers": (25.0, 1, 4),
    # week of 17 Nov: 5А 5 slots for 5 hours, 1А 4 for 4, 9А 1 for 2 → 2 / 3
    "timetable_fill": (66.67, 2, 3),
    # lessons that took place: L1–L6, L8–L20 = 19; with topic and (grade ≥ 2) homework: L1, L3, L4, L8, L9,
    # L11, L12, L13, L14, L15, L18, L20 → 12 / 19
    "lesson_planning": (63.16, 12, 19),
    # lessons held: 19; L20 has no mark, no attendance, no comment → 18 / 19
    "journal_work": (94.74, 18, 19),
    # journals: 1 четверть 5А math ✓, 5А rus ✓, 9А math ✗ (L5 no topic); 2 четверть 5А math ✓, rus ✓,
    # eng group 1 ✗ (L16), eng group 2 ✗ (L17 attendance), 9А ✗ (L19), 1А ✗ (L20) → 4 / 9
    "paperless": (44.44, 4, 9),
    # lessons whose time has passed, not cancelled: 20 (L21 missed) → 19 / 20
    "lessons_held": (95.0, 19, 20),
    # L11 same subject ✓, L19 other subject, L21 left without a teacher → 1 / 3
    "substitution_equivalence": (33.33, 1, 3),
    # norm max(3, 2·h + 1): 1 четверть (whole period) math 5, rus 3, eng 5 — 7 units (P1 eng «осв» out),
    # none reaches it; 2 четверть prorated 16/54 days: math/eng 1, rus 0 — all 11 units reach it → 11 / 18
    "mark_accumulation": (61.11, 11, 18),
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request, tmp_path_factory, sqlite_template):
    """The fixture built once per backend, its snapshot taken; yields (world, results by id, url)."""
    pg = request.getfixturevalue("pg_template") if request.param == "postgres" else None
    with iwm.built_world(request.param, tmp_path_factory.mktemp(f"ind_{request.param}"), sqlite_template, pg) as (w, url):
        assert snapshot.info().backend == request.param
        with runner.run(Scope((w.a,), iwm.YEAR_FROM, iwm.YEAR_TO)) as run:
            results = {r.id: r for r in run.values()}
        yield w, results, url


def test_every_indicator_of_the_document_is_covered():
    assert set(EXPECTED) == set(registry.INDICATOR_IDS)


@pytest.mark.parametrize("indicator_id", list(EXPECTED))
def test_indicator_value(world, indicator_id):
    _, results, _ = world
    value, num, den = EXPECTED[indicator_id]
    got = results[indicator_id]
    assert (got.value, got.numerator, got.denominator) == (value, num, den), got
    assert got.status in ("ok", "warn", "bad")


def test_statuses_follow_the_default_thresholds(world):
    _, results, _ = world
    # success 66,67 < yellow 85 → bad; quality 44,44 between 35 and 50 → warn; systemic failure 28,57 > 7 → bad;
    # journal work 94,74: between 85 and 95 → warn
    assert [results[i].status for i in ("success_rate", "knowledge_quality", "systemic_failure", "journal_work")] \
        == ["bad", "warn", "bad", "warn"]


def test_exam_objectivity_by_class_and_subject_with_the_mean_difference(world):
    """The parts beside the headline, counted by hand from the world's results (see exam_objectivity above):
    differences −1 (P1 math, 5А), 0 (P2 math, 5А), +2 (P5 ОГЭ math, 9А) → mean 1/3 → 0,33."""
    w, _, _ = world
    with runner.run(Scope((w.a,), iwm.YEAR_FROM, iwm.YEAR_TO)) as run:
        extra = run.extra("exam_objectivity")
        columns, rows = run.drilldown("exam_objectivity")
        by_class = {p.title: (p.numerator, p.denominator) for p in run.by_class("exam_objectivity")}
    assert extra["Результатов с отметкой"] == 7 and extra["Сравнено с годовой"] == 3
    assert extra["Ниже годовой"] == 1 and extra["Выше годовой"] == 1
    assert extra["Средняя разница (работа − год)"] == 0.33
    table = {(r[columns.index("Класс")], r[columns.index("Работа")], r[columns.index("Предмет")]):
             (r[columns.index("Результатов")], r[columns.index("Сравнено")], r[columns.index("Отличаются на 1 и более")],
              r[columns.index("Средняя разница")]) for r in rows}
    math, rus, eng = "Математика", "Русский язык", "Иностранный язык (английский)"
    assert table[("5А", "ВПР", math)] == (2, 2, 1, -0.5)
    assert table[("5А", "ВПР", rus)][:3] == (1, 0, 0)
    assert table[("5А", "ВПР", eng)][:3] == (2, 0, 0)
    assert table[("9А", "ОГЭ", math)] == (2, 1, 1, 2.0)
    assert {k.split()[0]: v for k, v in by_class.items() if v[1]} == {"5А": (1, 2), "9А": (1, 1)}
