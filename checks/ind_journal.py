"""«Электронный журнал»: timetable, planning, work in the journal, paperless journal, lessons
held, substitutions, accumulation of marks."""
from __future__ import annotations

from checks.base import PERCENT, UP, Indicator, Param
from checks.ind_operational import PUPIL, TEACHER

_WEEK = """
    WITH wk AS (
        SELECT CAST(date_trunc('week', coalesce((SELECT max(lesson_date) FROM s_lesson), p.ref_date)) AS DATE) AS w0
        FROM params p),
    need AS (
        SELECT school_id, class_id, sum(floor(hours_per_week)) AS need FROM s_curr GROUP BY ALL),
    have AS (
        SELECT t.class_id, count(DISTINCT (t.weekday, t.lesson_number, t.subject_id)) AS have
        FROM timetableslot t JOIN s_curr cu ON cu.class_id = t.class_id AND cu.subject_id = t.subject_id, wk
        WHERE t.school_id IN (SELECT school_id FROM s_school)
          AND t.valid_from <= wk.w0 + 6 AND (t.valid_to IS NULL OR t.valid_to >= wk.w0)
        GROUP BY t.class_id)"""

TIMETABLE_FILL = Indicator(
    id="timetable_fill", category="journal", name="Наполненность расписания", unit="%", kind=PERCENT, good=UP,
    green=100, yellow=95, source="sourced",
    definition=("Доля классов, у которых расписание на неделю (последнюю учебную неделю выбранных дат) содержит не "
                "меньше уроков, чем часов в неделю по учебному плану."),
    value_sql=_WEEK + """
        SELECT n.school_id, n.class_id, count(*) FILTER (WHERE coalesce(h.have, 0) >= n.need) AS num, count(*) AS den
        FROM need n LEFT JOIN have h ON h.class_id = n.class_id WHERE n.need > 0 GROUP BY ALL""",
    drill_sql=_WEEK + """
        SELECT c.class_name AS "Класс", strftime(wk.w0, '%d.%m.%Y') AS "Неделя с",
               CAST(n.need AS INTEGER) AS "Часов по плану", coalesce(h.have, 0) AS "Уроков в расписании"
        FROM need n LEFT JOIN have h ON h.class_id = n.class_id JOIN s_class c ON c.class_id = n.class_id, wk
        WHERE n.need > 0 AND coalesce(h.have, 0) < n.need ORDER BY "Класс" """,
    trend=False,
)

_HELD = "status = 'scheduled' AND ended_at <= p.now_at"


def _lesson_drill(where: str, extra_cols: str = "") -> str:
    return f"""
        SELECT {TEACHER} AS "Учитель", c.class_name AS "Класс", sj.name AS "Предмет",
               strftime(l.lesson_date, '%d.%m.%Y') AS "Дата", l.lesson_number AS "Урок"{extra_cols}
        FROM s_lesson l JOIN s_class c ON c.class_id = l.class_id JOIN subject sj ON sj.id = l.subject_id
        LEFT JOIN staff t ON t.id = l.teacher_id, params p
        WHERE {where}
        ORDER BY "Учитель", l.lesson_date, l.lesson_number"""


LESSON_PLANNING = Indicator(
    id="lesson_planning", category="journal", name="Планирование уроков: темы и ДЗ", unit="%", kind=PERCENT,
    good=UP, green=95, yellow=85, source="sourced",
    definition=("Уроки выбранных дат, у которых записаны тема и (со 2 класса) домашнее задание / все состоявшиеся "
                "уроки этих дат (по умолчанию — неделя)."),
    value_sql=f"""
        SELECT school_id, class_id, count(*) FILTER (WHERE topic <> '' AND (grade < 2 OR hw_rows > 0)) AS num,
               count(*) AS den
        FROM s_lesson, params p WHERE {_HELD} GROUP BY ALL""",
    drill_sql=_lesson_drill(
        "l.status = 'scheduled' AND l.ended_at <= p.now_at AND NOT (l.topic <> '' AND (l.grade < 2 OR l.hw_rows > 0))",
        """, CASE WHEN l.topic = '' THEN 'нет' ELSE 'есть' END AS "Тема",
           CASE WHEN l.grade < 2 THEN '—' WHEN l.hw_rows > 0 THEN 'есть' ELSE 'нет' END AS "ДЗ" """),
)

JOURNAL_WORK = Indicator(
    id="journal_work", category="journal", name="Работа с электронным журналом", unit="%", kind=PERCENT, good=UP,
    green=95, yellow=85, source="sourced",
    definition=("Проведённые уроки, в которых есть хотя бы одна отметка, отметка посещаемости или комментарий, / "
                "все проведённые уроки («урок проведён»)."),
    value_sql="""
        SELECT school_id, class_id,
               count(*) FILTER (WHERE marks > 0 OR attendance_taken_at IS NOT NULL OR att_rows > 0
                                OR comment <> '') AS num,
               count(*) AS den
        FROM s_lesson WHERE held GROUP BY ALL""",
    drill_sql=_lesson_drill(
        "l.held AND NOT (l.marks > 0 OR l.attendance_taken_at IS NOT NULL OR l.att_rows > 0 OR l.comment <> '')"),
)

_JOURNALS = """
    WITH j AS (
        SELECT l.school_id, l.class_id, l.subject_id, coalesce(l.subgroup_id, 0) AS sg, l.period_id,
               count(*) AS lessons,
               count(*) FILTER (WHERE l.topic = '') AS no_topic,
               count(*) FILTER (WHERE l.attendance_taken_at IS NULL AND l.att_rows = 0) AS no_att
        FROM s_lesson l, params p
        WHERE l.status = 'scheduled' AND l.ended_at <= p.now_at AND l.period_id IS NOT NULL GROUP BY ALL),
    pm AS (
        SELECT class_id, subject_id, period_id,
               count(*) FILTER (WHERE pm_value IS NULL) AS no_pm
        FROM s_unit WHERE ended AND coalesce(final, '') <> 'осв' GROUP BY ALL),
    jj AS (
        SELECT j.*, coalesce(pm.no_pm, 0) AS no_pm,
               j.no_topic = 0 AND j.no_att = 0 AND coalesce(pm.no_pm, 0) = 0 AS complete
        FROM j LEFT JOIN pm ON pm.class_id = j.class_id AND pm.subject_id = j.subject_id
             AND pm.period_id = j.period_id)"""

PAPERLESS = Indicator(
    id="paperless", category="journal", name="ББЖ (безбумажный журнал)", unit="%", kind=PERCENT, good=UP,
    green=90, yellow=70,
    definition=("Доля журналов «класс (группа) — предмет — период», заполненных полностью: у каждого состоявшегося "
                "урока есть тема и отмечена посещаемость, а по завершённому периоду выставлены отметки за период "
                "всем ученикам (кроме предметов «Без аттестации» и освобождённых)."),
    value_sql=_JOURNALS + """
        SELECT school_id, class_id, count(*) FILTER (WHERE complete) AS num, count(*) AS den FROM jj GROUP BY ALL""",
    drill_sql=_JOURNALS + """
        SELECT c.class_name AS "Класс", sj.name AS "Предмет", coalesce(sg.name, '') AS "Группа",
               sp.name AS "Период", jj.lessons AS "Уроков", jj.no_topic AS "Без темы",
               jj.no_att AS "Без посещаемости", jj.no_pm AS "Нет отметки за период"
        FROM jj JOIN s_class c ON c.class_id = jj.class_id JOIN subject sj ON sj.id = jj.subject_id
        JOIN studyperiod sp ON sp.id = jj.period_id LEFT JOIN subgroup sg ON sg.id = nullif(jj.sg, 0)
        WHERE NOT jj.complete ORDER BY "Класс", "Предмет", "Группа", sp.number""",
    trend=False,
)

LESSONS_HELD = Indicator(
    id="lessons_held", category="journal", name="Фактическое проведение уроков", unit="%", kind=PERCENT, good=UP,
    green=98, yellow=95,
    definition=("Уроки, отмеченные как проведённые, / уроки по расписанию, время которых прошло (отменённые не "
                "считаются; сорванные — считаются непроведёнными)."),
    value_sql="""
        SELECT school_id, class_id, count(*) FILTER (WHERE held) AS num, count(*) AS den
        FROM s_lesson, params p WHERE status <> 'cancelled' AND ended_at <= p.now_at GROUP BY ALL""",
    drill_sql=_lesson_drill(
        "l.status <> 'cancelled' AND l.ended_at <= p.now_at AND NOT l.held",
        """, CASE WHEN l.is_missed THEN 'не проведён (нет замены)' ELSE 'не отмечен как проведённый' END
             AS "Состояние" """),
)

SUBSTITUTION_EQUIVALENCE = Indicator(
    id="substitution_equivalence", category="journal", name="Равноценность замены учителей", unit="%",
    kind=PERCENT, good=UP, green=80, yellow=60, source="sourced",
    definition=("Замены учителем того же предмета / все замены; урок, оставшийся без учителя (замена не найдена, "
                "урок сорван), считается неравноценной заменой."),
    value_sql="""
        SELECT school_id, class_id,
               count(*) FILTER (WHERE sub_teacher_id IS NOT NULL AND sub_same_subject AND NOT is_missed) AS num,
               count(*) AS den
        FROM s_lesson WHERE sub_id IS NOT NULL OR is_missed GROUP BY ALL""",
    drill_sql=f"""
        SELECT c.class_name AS "Класс", sj.name AS "Предмет", strftime(l.lesson_date, '%d.%m.%Y') AS "Дата",
               l.lesson_number AS "Урок",
               trim(a.last_name || ' ' || a.first_name) AS "Отсутствовал",
               coalesce(trim(t.last_name || ' ' || t.first_name), '—') AS "Заменял",
               CASE WHEN l.is_missed THEN 'урок не проведён' WHEN l.sub_same_subject THEN 'тот же предмет'
                    ELSE 'другой предмет' END AS "Замена"
        FROM s_lesson l JOIN s_class c ON c.class_id = l.class_id JOIN subject sj ON sj.id = l.subject_id
        LEFT JOIN staff a ON a.id = l.sub_absent_teacher_id LEFT JOIN staff t ON t.id = l.sub_teacher_id
        WHERE l.sub_id IS NOT NULL OR l.is_missed
        ORDER BY "Замена", l.lesson_date, l.lesson_number""",
)

# (pupil, subject, period) of five-point subjects (a subject without current marks — «зачёт» such as
# ОРКСЭ — has no norm); the marks are the five-point ones («н/а», «осв» are not marks; «5/4» is two)
ACCUMULATION_UNITS = """
    WITH u AS (
        SELECT u.* REPLACE (u.nums AS marks), s.acc_min, s.acc_factor,
               CAST(floor(greatest(s.acc_min, s.acc_factor * u.hours_per_week + 1)
                          * (u.w_end - u.w_start + 1) / (u.ends_on - u.starts_on + 1)) AS INTEGER) AS required
        FROM s_unit u JOIN s_school s ON s.school_id = u.school_id
        WHERE coalesce(u.final, '') <> 'осв' AND u.marking = 'five')"""

MARK_ACCUMULATION = Indicator(
    id="mark_accumulation", category="journal", name="Накопляемость оценок", unit="%", kind=PERCENT, good=UP,
    green=90, yellow=75,
    params=(Param("acc_min", "Не меньше отметок", 3, "Наименьшая норма отметок за период", True),
            Param("acc_factor", "Отметок на час в неделю", 2, "Норма = множитель × часов в неделю + 1")),
    definition=("Доля пар «ученик — предмет — период», где отметок не меньше нормы: 2 × часов в неделю + 1, но не "
                "меньше 3. Для незаконченного периода (или части периода) норма берётся пропорционально прошедшим "
                "дням, с округлением вниз. Считаются только отметки 1–5 («н/а» и «осв» — не отметки) и только "
                "предметы с пятибалльными отметками (зачётные, например ОРКСЭ, не считаются)."),
    value_sql=ACCUMULATION_UNITS + """
        SELECT school_id, class_id, count(*) FILTER (WHERE marks >= required) AS num, count(*) AS den
        FROM u GROUP BY ALL""",
    drill_sql=ACCUMULATION_UNITS + f"""
        SELECT {PUPIL} AS "Ученик", c.class_name AS "Класс", sj.name AS "Предмет", u.period_name AS "Период",
               u.marks AS "Отметок", u.required AS "Норма"
        FROM u JOIN s_class c ON c.class_id = u.class_id JOIN student st ON st.id = u.student_id
        JOIN subject sj ON sj.id = u.subject_id
        WHERE u.marks < u.required ORDER BY "Класс", "Ученик", "Предмет", u.period_number""",
    trend=False,
)

INDICATORS = (TIMETABLE_FILL, LESSON_PLANNING, JOURNAL_WORK, PAPERLESS, LESSONS_HELD, SUBSTITUTION_EQUIVALENCE,
              MARK_ACCUMULATION)
