"""End-of-period control (5.11, R-CTL-4): objectivity of marks, presence of tests, the programme (КТП).

Choose a study period as the dates: the checks look at the periods that have ended by then."""
from __future__ import annotations

from checks.base import Check, Param
from checks.control_plan import TEACHER_OF
from services.rules.averages import sql_show

NAME = "trim(st.last_name || ' ' || st.first_name)"


def _mark(expr: str) -> str:
    return sql_show(expr)


OBJECTIVITY_PERIOD = Check(
    id="eop_objectivity_period", group="period_end", name="Объективность отметок за период",
    params=(Param("obj_gap", "Расхождение, балла", 0.6, "Отметка за период дальше от средневзвешенного — замечание"),),
    definition=("Отметки за период, отличающиеся от средневзвешенного балла ученика за этот период больше чем на "
                "0,6 (например, «5» при 4,30)."),
    findings_sql=f"""
        SELECT u.school_id, u.class_id, u.subject_id, {TEACHER_OF.format(a='u')} AS teacher_id,
               CAST(NULL AS INTEGER) AS lesson_id, CAST(NULL AS DATE) AS lesson_date,
               {NAME} || ': «' || u.pm_value || '» за ' || u.period_name || ' при средневзвешенном '
                   || {_mark('u.wavg')} AS what,
               CAST(u.ends_on AS TIMESTAMP) AS since
        FROM s_unit u JOIN s_school s ON s.school_id = u.school_id JOIN student st ON st.id = u.student_id
        WHERE u.ended AND u.pm_numeric IS NOT NULL AND u.wavg IS NOT NULL AND abs(u.pm_numeric - u.wavg) > s.obj_gap""",
)

OBJECTIVITY_TESTS = Check(
    id="eop_objectivity_tests", group="period_end", name="Объективность текущих отметок (по контрольным)",
    params=(Param("test_gap", "Контрольные ниже текущих на, балла", 1.0, "Средняя за контрольные ниже — замечание"),),
    definition=("Ученики, у которых средняя отметка за контрольные работы периода на 1 балл и больше ниже средней "
                "текущих отметок по предмету."),
    findings_sql=f"""
        SELECT u.school_id, u.class_id, u.subject_id, {TEACHER_OF.format(a='u')} AS teacher_id,
               CAST(NULL AS INTEGER) AS lesson_id, CAST(NULL AS DATE) AS lesson_date,
               {NAME} || ': контрольные ' || {_mark('u.test_avg')} || ' при текущих ' || {_mark('u.cur_avg')}
                   || ' (' || u.period_name || ')' AS what,
               CAST(u.w_start AS TIMESTAMP) AS since
        FROM s_unit u JOIN s_school s ON s.school_id = u.school_id JOIN student st ON st.id = u.student_id
        WHERE u.test_n > 0 AND u.cur_n > 0 AND u.test_avg <= u.cur_avg - s.test_gap""",
)

TESTS_PRESENCE = Check(
    id="eop_tests_presence", group="period_end", name="Наличие контрольных работ",
    definition="Предметы класса (с аттестацией), по которым за завершённый период не было ни одной контрольной работы.",
    findings_sql=f"""
        WITH j AS (SELECT DISTINCT school_id, class_id, subject_id, period_id, period_name, ends_on FROM s_unit
                   WHERE ended AND marking = 'five'),
        t AS (SELECT class_id, subject_id, period_id, sum(test_works) AS tests, count(*) AS lessons
              FROM s_lesson WHERE status = 'scheduled' GROUP BY ALL)
        SELECT j.school_id, j.class_id, j.subject_id, {TEACHER_OF.format(a='j')} AS teacher_id,
               CAST(NULL AS INTEGER) AS lesson_id, CAST(NULL AS DATE) AS lesson_date,
               'Нет контрольных работ за ' || j.period_name || ' (уроков: ' || t.lessons || ')' AS what,
               CAST(j.ends_on AS TIMESTAMP) AS since
        FROM j JOIN t ON t.class_id = j.class_id AND t.subject_id = j.subject_id AND t.period_id = j.period_id
        WHERE t.tests = 0""",
)

PROGRAMME = Check(
    id="eop_programme", group="period_end", name="Выполнение программы по КТП",
    definition=("Предметы класса, где проведённых уроков меньше, чем часов тем КТП, запланированных до конца "
                "выбранных дат (не включая последний день), или остались непройденные темы."),
    findings_sql=f"""
        WITH due AS (
            SELECT c.school_id, c.class_id, t.subject_id, sum(t.hours) AS planned, count(*) AS topics,
                   list(t.topic_id) AS topic_ids
            FROM topic_f t
            JOIN s_class c ON c.year_id = t.year_id AND c.school_id = t.school_id
                 AND (t.class_id = c.class_id OR (t.class_id IS NULL AND t.grade = c.grade))
            JOIN s_curr cu ON cu.class_id = c.class_id AND cu.subject_id = t.subject_id, params p
            WHERE t.planned_on < p.ref_date GROUP BY ALL),
        held AS (
            SELECT class_id, subject_id, count(DISTINCT (lesson_date, lesson_number)) AS held,
                   list(DISTINCT planned_topic_id) FILTER (WHERE planned_topic_id IS NOT NULL) AS covered
            FROM s_lesson_all WHERE held GROUP BY ALL)
        SELECT d.school_id, d.class_id, d.subject_id, {TEACHER_OF.format(a='d')} AS teacher_id,
               CAST(NULL AS INTEGER) AS lesson_id, CAST(NULL AS DATE) AS lesson_date,
               'Проведено уроков ' || coalesce(h.held, 0) || ' из ' || CAST(d.planned AS INTEGER)
                   || ' по КТП; не пройдено тем: '
                   || len(list_filter(d.topic_ids, x -> NOT list_contains(coalesce(h.covered, []), x))) AS what,
               CAST(p.d1 AS TIMESTAMP) AS since
        FROM due d LEFT JOIN held h ON h.class_id = d.class_id AND h.subject_id = d.subject_id, params p
        WHERE coalesce(h.held, 0) < d.planned
           OR len(list_filter(d.topic_ids, x -> NOT list_contains(coalesce(h.covered, []), x))) > 0""",
)

# (pupil, subject, ended period) whose period mark is due by now: by the end of the vacation that
# begins within a week after the period's last day, else by that day (services/rules/deadlines.py)
PERIOD_MARKS_OWED = """
    WITH pu AS (
        SELECT u.*, coalesce((SELECT min_by(h.ends_on, h.starts_on) FROM holiday h
                              WHERE h.school_id = u.school_id AND h.kind = 'vacation' AND h.starts_on > u.ends_on
                                AND h.starts_on <= u.ends_on + INTERVAL 7 DAY), u.ends_on) AS due_on
        FROM s_unit u WHERE u.ended AND coalesce(u.final, '') <> 'осв'),
    owed AS (SELECT pu.* FROM pu, params p WHERE pu.due_on < p.today)"""

PERIOD_MARKS_DUE = Check(
    id="eop_period_marks_due", group="period_end", name="Отметки за период выставлены в срок",
    definition=("Классы и предметы (с аттестацией), где после срока — конца каникул, следующих за периодом, или "
                "последнего дня периода, если каникул сразу за ним нет (п. 1.13), — у учеников нет отметки за период "
                "(services/rules/deadlines.period_marks_due)."),
    findings_sql=PERIOD_MARKS_OWED + f""",
        d AS (
            SELECT school_id, class_id, subject_id, period_id, period_name, due_on,
                   count(*) FILTER (WHERE pm_value IS NULL) AS missing
            FROM owed GROUP BY ALL)
        SELECT d.school_id, d.class_id, d.subject_id, {TEACHER_OF.format(a='d')} AS teacher_id,
               CAST(NULL AS INTEGER) AS lesson_id, CAST(NULL AS DATE) AS lesson_date,
               'Нет отметки за ' || d.period_name || ' у ' || d.missing || ' уч. (срок — '
                   || strftime(d.due_on, '%d.%m.%Y') || ')' AS what,
               CAST(d.due_on + INTERVAL 1 DAY AS TIMESTAMP) AS since
        FROM d WHERE d.missing > 0""",
)

CHECKS = (OBJECTIVITY_PERIOD, OBJECTIVITY_TESTS, TESTS_PRESENCE, PROGRAMME, PERIOD_MARKS_DUE)
