"""The deputy director's control of clause 3.6 (R-CTL-1), shown as its own section of the dashboard."""
from __future__ import annotations

from checks.base import DOWN, PERCENT, UP, Indicator
from checks.ind_journal import _lesson_drill
from checks.ind_operational import PUPIL, TEACHER
from checks.period_end import PERIOD_MARKS_OWED

_TEACHERS = """
    WITH tw AS (
        SELECT school_id, teacher_id,
               bool_or(marks > 0 OR topic <> '' OR attendance_taken_at IS NOT NULL OR att_rows > 0 OR hw_rows > 0)
                   AS worked,
               count(*) AS lessons
        FROM s_lesson, params p
        WHERE teacher_id IS NOT NULL AND status = 'scheduled' AND ended_at <= p.now_at
        GROUP BY school_id, teacher_id)"""

TEACHERS_WORKING = Indicator(
    id="dep_teachers_working", category="deputy", name="Учителя, работающие в журнале", unit="%", kind=PERCENT,
    good=UP, green=100, yellow=90, school_level=True,
    definition=("Доля учителей, у которых были уроки в выбранные даты и которые хоть что-то записали в журнал "
                "(тему, отметку, посещаемость или ДЗ)."),
    value_sql=_TEACHERS + """
        SELECT school_id, CAST(NULL AS INTEGER) AS class_id, count(*) FILTER (WHERE worked) AS num, count(*) AS den
        FROM tw GROUP BY ALL""",
    drill_sql=_TEACHERS + f"""
        SELECT {TEACHER} AS "Учитель", x.lessons AS "Уроков"
        FROM tw x JOIN staff t ON t.id = x.teacher_id WHERE NOT x.worked ORDER BY "Учитель" """,
)

_CLASS_TEACHERS = """
    WITH ct AS (
        SELECT g.user_id, g.class_id, c.school_id, c.class_name
        FROM rolegrant g JOIN s_class c ON c.class_id = g.class_id, params p
        WHERE g.role = 'class_teacher' AND g.granted_at <= p.now_at AND (g.revoked_at IS NULL OR g.revoked_at > p.now_at)),
    act AS (
        SELECT DISTINCT a.entered_by_user_id AS user_id FROM s_att_any a, params p
        WHERE a.lesson_date >= p.d1 AND a.entered_by_user_id IS NOT NULL
        UNION SELECT DISTINCT entered_by_user_id FROM s_mark WHERE entered_by_user_id IS NOT NULL
        UNION SELECT DISTINCT st.user_id FROM s_lesson l JOIN staff st ON st.id = l.teacher_id
              WHERE st.user_id IS NOT NULL AND (l.topic <> '' OR l.attendance_taken_at IS NOT NULL))"""

CLASS_TEACHERS_WORKING = Indicator(
    id="dep_class_teachers_working", category="deputy", name="Классные руководители, работающие в журнале",
    unit="%", kind=PERCENT, good=UP, green=100, yellow=90,
    definition=("Доля классных руководителей выбранных классов, которые в выбранные даты отмечали посещаемость, "
                "ставили отметки или вели свои уроки в журнале."),
    value_sql=_CLASS_TEACHERS + """
        SELECT ct.school_id, ct.class_id, count(act.user_id) AS num, count(*) AS den
        FROM ct LEFT JOIN act ON act.user_id = ct.user_id GROUP BY ALL""",
    drill_sql=_CLASS_TEACHERS + """
        SELECT ct.class_name AS "Класс",
               (SELECT trim(last_name || ' ' || first_name || ' ' || middle_name) FROM staff
                WHERE user_id = ct.user_id ORDER BY id LIMIT 1) AS "Классный руководитель"
        FROM ct WHERE ct.user_id NOT IN (SELECT user_id FROM act) ORDER BY "Класс" """,
)

# (pupil, subject): the pupils counted × the subjects of their class that get current marks
# (five-point and attested: not «Без аттестации», not the first grade's, not «зачёт» subjects such as
# ОРКСЭ); the marks 1–5 within the dates («н/а», «осв» are no marks; a pair with only «осв» is exempt)
_MARKS_PER_PAIR = """
    WITH pairs AS (
        SELECT p.student_id, p.school_id, p.class_id, p.class_name, cu.subject_id
        FROM s_pupil p JOIN s_curr cu ON cu.class_id = p.class_id
        WHERE NOT cu.no_attestation AND cu.marking = 'five'),
    n AS (SELECT student_id, subject_id, count(numeric) AS marks,
                 bool_or(value = 'осв') AS exempt
          FROM s_mark GROUP BY ALL),
    pp AS (SELECT pr.*, coalesce(n.marks, 0) AS marks
           FROM pairs pr LEFT JOIN n ON n.student_id = pr.student_id AND n.subject_id = pr.subject_id
           WHERE NOT (coalesce(n.marks, 0) = 0 AND coalesce(n.exempt, false)))"""


def _pupils_with(id_: str, name: str, cond: str, green: float, yellow: float, what: str) -> Indicator:
    return Indicator(
        id=id_, category="deputy", name=name, unit="%", kind=PERCENT, good=DOWN, green=green, yellow=yellow,
        definition=(f"Доля пар «ученик — предмет» выбранных классов, в которых у ученика {what} по этому предмету "
                    "за выбранные даты. Считаются только предметы, по которым ставятся текущие отметки: без "
                    "предметов «Без аттестации», безотметочного 1 класса и зачётных (например, ОРКСЭ); ученик, "
                    "освобождённый от предмета («осв»), по нему не считается."),
        value_sql=_MARKS_PER_PAIR + f"""
            SELECT school_id, class_id, count(*) FILTER (WHERE {cond}) AS num, count(*) AS den FROM pp GROUP BY ALL""",
        drill_sql=_MARKS_PER_PAIR + f"""
            SELECT {PUPIL} AS "Ученик", pp.class_name AS "Класс", sj.name AS "Предмет", pp.marks AS "Отметок"
            FROM pp JOIN student st ON st.id = pp.student_id JOIN subject sj ON sj.id = pp.subject_id
            WHERE {cond} ORDER BY "Класс", "Ученик", "Предмет" """,
    )


PUPILS_NO_MARKS = _pupils_with("dep_pupils_no_marks", "Ученики без отметок", "marks = 0", 0, 5, "нет ни одной отметки")
PUPILS_ONE_MARK = _pupils_with("dep_pupils_one_mark", "Ученики с одной отметкой", "marks = 1", 5, 10,
                               "ровно одна отметка")

HOMEWORK_ENTERED = Indicator(
    id="dep_homework_entered", category="deputy", name="Записано домашнее задание", unit="%", kind=PERCENT,
    good=UP, green=95, yellow=85,
    definition="Доля состоявшихся уроков 2–11 классов, к которым записано домашнее задание (в любое время).",
    value_sql="""
        SELECT school_id, class_id, count(*) FILTER (WHERE hw_rows > 0) AS num, count(*) AS den
        FROM s_lesson, params p WHERE grade >= 2 AND status = 'scheduled' AND ended_at <= p.now_at GROUP BY ALL""",
    drill_sql=_lesson_drill("l.grade >= 2 AND l.status = 'scheduled' AND l.ended_at <= p.now_at AND l.hw_rows = 0"),
)

_KTP = """
    WITH due AS (
        SELECT c.school_id, c.class_id, t.subject_id, t.topic_id
        FROM topic_f t
        JOIN s_class c ON c.year_id = t.year_id AND c.school_id = t.school_id
             AND (t.class_id = c.class_id OR (t.class_id IS NULL AND t.grade = c.grade))
        JOIN s_curr cu ON cu.class_id = c.class_id AND cu.subject_id = t.subject_id, params p
        WHERE t.planned_on BETWEEN p.d1 AND p.ref_date),
    covered AS (
        SELECT DISTINCT class_id, planned_topic_id AS topic_id FROM s_lesson_all
        WHERE held AND planned_topic_id IS NOT NULL)"""

TOPICS_VS_KTP = Indicator(
    id="dep_topics_vs_ktp", category="deputy", name="Пройдено тем по КТП", unit="%", kind=PERCENT, good=UP,
    green=95, yellow=85,
    definition=("Темы КТП, запланированные на выбранные даты, которые пройдены на проведённых уроках (урок привязан "
                "к теме КТП), / все темы КТП на эти даты."),
    value_sql=_KTP + """
        SELECT due.school_id, due.class_id, count(cv.topic_id) AS num, count(*) AS den
        FROM due LEFT JOIN covered cv ON cv.class_id = due.class_id AND cv.topic_id = due.topic_id GROUP BY ALL""",
    drill_sql=_KTP + """
        SELECT c.class_name AS "Класс", sj.name AS "Предмет", count(*) AS "Тем по плану",
               count(cv.topic_id) AS "Пройдено", count(*) - count(cv.topic_id) AS "Не пройдено"
        FROM due LEFT JOIN covered cv ON cv.class_id = due.class_id AND cv.topic_id = due.topic_id
        JOIN s_class c ON c.class_id = due.class_id JOIN subject sj ON sj.id = due.subject_id
        GROUP BY ALL HAVING count(*) > count(cv.topic_id) ORDER BY "Класс", "Предмет" """,
)

_SIGNED_RANGE = """(
    (a.last_login_at >= timezone('UTC', timezone(s.tz, CAST(p.d1 AS TIMESTAMP))) AND a.last_login_at <= p.ref_end)
    OR (a.activated_at >= timezone('UTC', timezone(s.tz, CAST(p.d1 AS TIMESTAMP))) AND a.activated_at <= p.ref_end)
    OR EXISTS (SELECT 1 FROM usersession u WHERE u.user_id = a.id
               AND u.created_at >= timezone('UTC', timezone(s.tz, CAST(p.d1 AS TIMESTAMP)))
               AND u.created_at <= p.ref_end))"""

PARENTS_SIGNED_IN = Indicator(
    id="dep_parents_signed_in", category="deputy", name="Родители, входившие в дневник", unit="%", kind=PERCENT,
    good=UP, green=80, yellow=60,
    definition=("Доля родителей учеников выбранных классов (все законные представители, и без учётной записи), "
                "входивших в портал в выбранные даты."),
    value_sql=f"""
        SELECT g.school_id, g.class_id, count(*) FILTER (WHERE a.id IS NOT NULL AND {_SIGNED_RANGE}) AS num,
               count(*) AS den
        FROM s_guardian g JOIN s_school s ON s.school_id = g.school_id LEFT JOIN account a ON a.id = g.user_id, params p
        GROUP BY ALL""",
    drill_sql=f"""
        SELECT trim(gd.last_name || ' ' || gd.first_name) AS "Родитель",
               (SELECT class_name FROM s_class WHERE class_id = g.class_id) AS "Класс",
               CASE WHEN a.id IS NULL THEN 'нет учётной записи' ELSE 'не входил' END AS "Состояние"
        FROM s_guardian g JOIN guardian gd ON gd.id = g.guardian_id JOIN s_school s ON s.school_id = g.school_id
        LEFT JOIN account a ON a.id = g.user_id, params p
        WHERE NOT (a.id IS NOT NULL AND {_SIGNED_RANGE}) ORDER BY "Класс", "Родитель" """,
)

PUPILS_SIGNED_IN = Indicator(
    id="dep_pupils_signed_in", category="deputy", name="Ученики, входившие в дневник", unit="%", kind=PERCENT,
    good=UP, green=80, yellow=60,
    definition="Доля учеников выбранных классов (и без учётной записи), входивших в портал в выбранные даты.",
    value_sql=f"""
        SELECT x.school_id, x.class_id, count(*) FILTER (WHERE a.id IS NOT NULL AND {_SIGNED_RANGE}) AS num,
               count(*) AS den
        FROM s_pupil x JOIN s_school s ON s.school_id = x.school_id LEFT JOIN account a ON a.id = x.user_id, params p
        GROUP BY ALL""",
    drill_sql=f"""
        SELECT {PUPIL} AS "Ученик", x.class_name AS "Класс",
               CASE WHEN a.id IS NULL THEN 'нет учётной записи' ELSE 'не входил' END AS "Состояние"
        FROM s_pupil x JOIN student st ON st.id = x.student_id JOIN s_school s ON s.school_id = x.school_id
        LEFT JOIN account a ON a.id = x.user_id, params p
        WHERE NOT (a.id IS NOT NULL AND {_SIGNED_RANGE}) ORDER BY "Класс", "Ученик" """,
)

PERIOD_MARKS_MISSING = Indicator(
    id="dep_period_marks_missing", category="deputy", name="Не выставлены отметки за период в срок", unit="%",
    kind=PERCENT, good=DOWN, green=0, yellow=2, trend=False,
    definition=("Доля отметок за завершённые периоды (ученик × предмет с аттестацией), которых нет после срока: конца "
                "каникул, следующих за периодом, или последнего дня периода, если каникул сразу за ним нет (п. 1.13)."),
    value_sql=PERIOD_MARKS_OWED + """
        SELECT school_id, class_id, count(*) FILTER (WHERE pm_value IS NULL) AS num, count(*) AS den
        FROM owed GROUP BY ALL""",
    drill_sql=PERIOD_MARKS_OWED + """
        SELECT c.class_name AS "Класс", s.name AS "Предмет", o.period_name AS "Период",
               strftime(o.due_on, '%d.%m.%Y') AS "Срок", count(*) AS "Нет отметки"
        FROM owed o JOIN s_class c ON c.class_id = o.class_id JOIN subject s ON s.id = o.subject_id
        WHERE o.pm_value IS NULL GROUP BY ALL ORDER BY "Класс", "Предмет", "Период" """,
)

INDICATORS = (TEACHERS_WORKING, CLASS_TEACHERS_WORKING, PUPILS_NO_MARKS, PUPILS_ONE_MARK, HOMEWORK_ENTERED,
              TOPICS_VS_KTP, PARENTS_SIGNED_IN, PUPILS_SIGNED_IN, PERIOD_MARKS_MISSING)
