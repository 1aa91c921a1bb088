"""«Оперативные показатели»: success, systemic failure and absence, attendance, timeliness."""
from __future__ import annotations

from checks.base import DOWN, PERCENT, UP, Indicator, Param
from services.rules.averages import sql_round, sql_show

PUPIL = "trim(st.last_name || ' ' || st.first_name || ' ' || st.middle_name)"
COUNTED = "('1', '2', '3', '4', '5', 'н/а')"

# Per pupil, as the attestation summary counts them (services/reports/stats.pupil_category): a pupil
# in a study period is counted with at least one result other than «осв»; successful without any
# «1», «2», «незач» or «н/а»; of quality when successful with marks «4» and «5» only (at least one).
PUPIL_STANDING = """
    WITH pu AS (
        SELECT school_id, class_id, student_id, period_id,
               count(*) FILTER (WHERE final IN ('1', '2', '3', '4', '5', 'н/а', 'зач', 'незач')) AS results,
               count(*) FILTER (WHERE final IN ('1', '2', 'незач', 'н/а')) AS bad,
               count(*) FILTER (WHERE final IN ('4', '5')) AS good,
               count(*) FILTER (WHERE final = '3') AS threes
        FROM s_unit GROUP BY ALL),
    pupils AS (SELECT * FROM pu WHERE results > 0)"""

# the per-mark shares (pairs «ученик — предмет»), shown beside the per-pupil value under their own names
PER_MARK = f"""
    SELECT {sql_round("100.0 * count(*) FILTER (WHERE final IN ('4', '5')) / nullif(count(*), 0)", 1)}
               AS "Доля отметок «4» и «5», %",
           {sql_round("100.0 * count(*) FILTER (WHERE final IN ('3', '4', '5')) / nullif(count(*), 0)", 1)}
               AS "Доля отметок «3»–«5», %",
           count(*) AS "Отметок (пар «ученик — предмет»)"
    FROM s_unit WHERE final IN {COUNTED}"""

SUCCESS_RATE = Indicator(
    id="success_rate", category="operational", name="Уровень успеваемости", unit="%", kind=PERCENT, good=UP,
    green=95, yellow=85, source="sourced",
    definition=(
        "(n5 + n4 + n3) / N · 100 по ученикам за каждый учебный период выбранных дат, как в отчёте об аттестации: "
        "успевает ученик без «2», «1», «незач» и «н/а» по всем предметам; берётся отметка за период, а пока её нет — "
        "текущий средневзвешенный балл, округлённый. N — ученики, у которых есть отметки (кроме «осв»); выбывшие "
        "не считаются, «н/а» входит в N. Рядом — доля отметок «3»–«5» (по парам «ученик — предмет»)."),
    value_sql=PUPIL_STANDING + """
        SELECT school_id, class_id, count(*) FILTER (WHERE bad = 0) AS num, count(*) AS den
        FROM pupils GROUP BY ALL""",
    extra_sql=PER_MARK,
    drill_sql=f"""
        SELECT {PUPIL} AS "Ученик", u.class_name AS "Класс", sj.name AS "Предмет", u.period_name AS "Период",
               u.final AS "Отметка", CASE WHEN u.pm_value IS NULL THEN 'текущий средний' ELSE 'за период' END AS "Источник"
        FROM (SELECT s_unit.*, c.class_name FROM s_unit JOIN s_class c USING (class_id)) u
        JOIN student st ON st.id = u.student_id JOIN subject sj ON sj.id = u.subject_id
        WHERE u.final IN ('1', '2', 'н/а', 'незач')
        ORDER BY u.class_name, "Ученик", "Предмет", u.period_number""",
    trend=False,
)

_FAIL_FLAGS = f"""
    WITH runs AS (
        -- marks ≤ 2 of a pupil in a subject with the same fail_run (marks above 2 before them, in the
        -- journal's order) follow one another; within the dates, K of them in a row
        SELECT m.student_id, m.subject_id, 'подряд ' || count(*) || ' отметок ≤2' AS reason
        FROM s_mark m JOIN s_school s ON s.school_id = m.school_id
        WHERE m.numeric <= 2
        GROUP BY m.student_id, m.subject_id, m.fail_run, s.fail_k HAVING count(*) >= s.fail_k),
    low_avg AS (
        SELECT m.student_id, m.subject_id,
               'средневзвешенный ' || {sql_show('sum(m.weight * m.numeric) / sum(m.weight)')}
               || ' за ' || any_value(s.fail_days) || ' дн.' AS reason
        FROM s_mark_all m JOIN s_school s ON s.school_id = m.school_id, params p
        WHERE m.numeric IS NOT NULL AND m.weight > 0 AND m.lesson_date > p.ref_date - CAST(s.fail_days AS INTEGER)
        GROUP BY m.student_id, m.subject_id, s.fail_avg
        HAVING sum(m.weight * m.numeric) / sum(m.weight) < s.fail_avg),
    bad_pm AS (
        SELECT student_id, subject_id, 'за ' || period_name || ': ' || pm_value AS reason
        FROM s_unit WHERE pm_value = 'н/а' OR pm_numeric <= 2),
    flags AS (
        SELECT * FROM runs UNION ALL SELECT * FROM low_avg UNION ALL SELECT * FROM bad_pm)"""

SYSTEMIC_FAILURE = Indicator(
    id="systemic_failure", category="operational", name="Системная неуспеваемость", unit="%", kind=PERCENT,
    good=DOWN, green=3, yellow=7,
    params=(Param("fail_k", "Отметок ≤2 подряд", 3, "Сколько отметок «2» и ниже подряд по предмету", True),
            Param("fail_avg", "Средневзвешенный ниже", 2.5, "Порог средневзвешенного балла по предмету"),
            Param("fail_days", "За последние дней", 30, "Окно для средневзвешенного балла", True)),
    definition=(
        "Доля учеников, у которых по какому-либо предмету: K отметок «2» и ниже подряд (K = 3), "
        "или средневзвешенный балл ниже 2,5 за последние 30 дней, или отметка за период «2» / «н/а». "
        "Знаменатель — все ученики выбранных классов на конец периода."),
    value_sql=_FAIL_FLAGS + """
        SELECT p.school_id, p.class_id, count(f.student_id) AS num, count(*) AS den
        FROM s_pupil p LEFT JOIN (SELECT DISTINCT student_id FROM flags) f ON f.student_id = p.student_id
        GROUP BY ALL""",
    drill_sql=_FAIL_FLAGS + f"""
        SELECT {PUPIL} AS "Ученик", p.class_name AS "Класс", sj.name AS "Предмет",
               string_agg(f.reason, '; ') AS "Причина"
        FROM flags f JOIN s_pupil p ON p.student_id = f.student_id
        JOIN student st ON st.id = f.student_id JOIN subject sj ON sj.id = f.subject_id
        GROUP BY ALL ORDER BY "Класс", "Ученик", "Предмет" """,
)

_ABSENCE = """
    -- each calendar month cut to the chosen dates: lessons and absences over the same days
    WITH months AS (
        SELECT pd.student_id, CAST(date_trunc('month', pd.lesson_date) AS DATE) AS month, sum(pd.lessons) AS lessons
        FROM pupil_day pd, params p
        WHERE pd.school_id IN (SELECT school_id FROM s_school)
          AND pd.lesson_date BETWEEN p.d1 AND p.ref_date
          AND pd.student_id IN (SELECT student_id FROM s_pupil)
        GROUP BY ALL),
    missed AS (
        SELECT a.student_id, CAST(date_trunc('month', a.lesson_date) AS DATE) AS month, count(*) AS n
        FROM s_att_any a, params p
        WHERE a.status = 'absent' AND a.lesson_status = 'scheduled' AND a.ended_at <= p.now_at
          AND a.lesson_date BETWEEN p.d1 AND p.ref_date
        GROUP BY ALL),
    flagged AS (
        SELECT m.student_id, m.month, m.lessons, x.n
        FROM months m JOIN missed x ON x.student_id = m.student_id AND x.month = m.month
        JOIN s_pupil sp ON sp.student_id = m.student_id JOIN s_school s ON s.school_id = sp.school_id
        WHERE m.lessons > 0 AND x.n * 100.0 >= s.abs_share * m.lessons)"""

SYSTEMIC_ABSENCE = Indicator(
    id="systemic_absence", category="operational", name="Системная непосещаемость", unit="%", kind=PERCENT,
    good=DOWN, green=2, yellow=5,
    params=(Param("abs_share", "Доля пропусков, %", 30, "Пропущено без уважительной причины за месяц, не меньше"),),
    definition=(
        "Доля учеников, пропустивших без уважительной причины («Н») не меньше 30 % своих уроков хотя бы в одном "
        "календарном месяце выбранного периода (болезнь и уважительная причина не считаются). Месяц, который "
        "выбранные даты захватывают не целиком, считается только по этим датам: и пропуски, и уроки. "
        "Считается по всем урокам ученика, без отбора по предмету."),
    value_sql=_ABSENCE + """
        SELECT p.school_id, p.class_id, count(f.student_id) AS num, count(*) AS den
        FROM s_pupil p LEFT JOIN (SELECT DISTINCT student_id FROM flagged) f ON f.student_id = p.student_id
        GROUP BY ALL""",
    drill_sql=_ABSENCE + f"""
        SELECT {PUPIL} AS "Ученик", p.class_name AS "Класс", strftime(f.month, '%m.%Y') AS "Месяц",
               f.n AS "Пропущено без причины", f.lessons AS "Уроков",
               {sql_round('100.0 * f.n / f.lessons', 1)} AS "Доля, %"
        FROM flagged f JOIN s_pupil p ON p.student_id = f.student_id JOIN student st ON st.id = f.student_id
        ORDER BY "Класс", "Ученик", f.month""",
    trend=False,
)

_HELD_LESSONS = "FROM s_lesson, params p WHERE status = 'scheduled' AND ended_at <= p.now_at"


ATTENDANCE = Indicator(
    id="attendance", category="operational", name="Посещаемость", unit="%", kind=PERCENT, good=UP,
    green=92, yellow=85, source="sourced",
    definition=(
        "1 − пропущенные ученико-уроки / запланированные ученико-уроки (проведённые уроки × ученики класса или "
        "группы в тот день), в процентах. Пропуск — «Н», «Б» или «У»; опоздание пропуском не считается. "
        "Отдельно показаны пропуски по болезни, по уважительной, без уважительной причины и опоздания."),
    value_sql=f"""
        SELECT school_id, class_id, sum(pupils) - sum(least(pupils, att_absent + att_ill + att_excused)) AS num,
               sum(pupils) AS den
        {_HELD_LESSONS} GROUP BY ALL""",
    extra_sql=f"""
        SELECT sum(pupils) AS "Ученико-уроков", sum(att_ill) AS "По болезни (Б)",
               sum(att_excused) AS "По уважительной (У)", sum(att_absent) AS "Без уважительной (Н)",
               sum(att_late) AS "Опоздания (О)"
        {_HELD_LESSONS}""",
    drill_sql=f"""
        WITH l AS (SELECT lesson_id FROM s_lesson, params p WHERE status = 'scheduled' AND ended_at <= p.now_at)
        SELECT {PUPIL} AS "Ученик", c.class_name AS "Класс",
               count(*) FILTER (WHERE a.status IN ('absent', 'ill', 'excused')) AS "Пропущено уроков",
               count(*) FILTER (WHERE a.status = 'ill') AS "Б",
               count(*) FILTER (WHERE a.status = 'excused') AS "У",
               count(*) FILTER (WHERE a.status = 'absent') AS "Н",
               count(*) FILTER (WHERE a.status = 'late') AS "Опозданий"
        FROM s_att a JOIN student st ON st.id = a.student_id JOIN s_class c ON c.class_id = a.class_id
        WHERE a.lesson_id IN (SELECT lesson_id FROM l)
        GROUP BY ALL ORDER BY "Пропущено уроков" DESC, "Класс", "Ученик" """,
)

TEACHER = "trim(t.last_name || ' ' || t.first_name || ' ' || t.middle_name)"


def _local(expr: str, tz: str = "s.tz") -> str:
    return f"strftime(timezone({tz}, timezone('UTC', {expr})), '%d.%m.%Y %H:%M')"


TIMELY_MARKS = Indicator(
    id="timely_marks", category="operational", name="Своевременное выставление оценок", unit="%", kind=PERCENT,
    good=UP, green=90, yellow=75,
    definition=(
        "Доля отметок, выставленных до 21:00 дня урока (для вида работы со сроком проверки N дней — до конца "
        "дня урока + N дней), по времени школы (п. 1.8)."),
    value_sql="""
        SELECT school_id, class_id, count(*) FILTER (WHERE entered_at <= due) AS num, count(*) AS den
        FROM s_mark GROUP BY ALL""",
    drill_sql=f"""
        SELECT {TEACHER} AS "Учитель", c.class_name AS "Класс", sj.name AS "Предмет",
               strftime(m.lesson_date, '%d.%m.%Y') AS "Дата урока", count(*) AS "Отметок с опозданием",
               {_local('min(m.due)')} AS "Срок", {_local('max(m.entered_at)')} AS "Выставлены (последняя)"
        FROM s_mark m JOIN s_school s ON s.school_id = m.school_id JOIN s_class c ON c.class_id = m.class_id
        JOIN subject sj ON sj.id = m.subject_id LEFT JOIN staff t ON t.id = m.teacher_id
        WHERE m.entered_at > m.due
        GROUP BY ALL ORDER BY "Учитель", m.lesson_date""",
)

TIMELY_HOMEWORK = Indicator(
    id="timely_homework", category="operational", name="Своевременная выдача ДЗ", unit="%", kind=PERCENT,
    good=UP, green=90, yellow=75,
    definition=(
        "Доля уроков (2–11 классы, урок состоялся), домашнее задание к которым записано не позже чем через 3 часа "
        "после конца урока (п. 1.10). Считаются только уроки, к которым домашнее задание задано (записано): урок "
        "без ДЗ опозданием не считается."),
    value_sql="""
        SELECT school_id, class_id, count(*) FILTER (WHERE hw_entered_at <= hw_due) AS num, count(*) AS den
        FROM s_lesson
        WHERE grade >= 2 AND status = 'scheduled' AND hw_entered_at IS NOT NULL
        GROUP BY ALL""",
    drill_sql=f"""
        SELECT {TEACHER} AS "Учитель", c.class_name AS "Класс", sj.name AS "Предмет",
               strftime(l.lesson_date, '%d.%m.%Y') AS "Дата урока", l.lesson_number AS "Урок",
               {_local('l.hw_due')} AS "Срок",
               {_local('l.hw_entered_at')} AS "ДЗ записано"
        FROM s_lesson l JOIN s_school s ON s.school_id = l.school_id JOIN s_class c ON c.class_id = l.class_id
        JOIN subject sj ON sj.id = l.subject_id LEFT JOIN staff t ON t.id = l.teacher_id
        WHERE l.grade >= 2 AND l.status = 'scheduled' AND l.hw_entered_at > l.hw_due
        ORDER BY "Учитель", l.lesson_date, l.lesson_number""",
)

INDICATORS = (SUCCESS_RATE, SYSTEMIC_FAILURE, SYSTEMIC_ABSENCE, ATTENDANCE, TIMELY_MARKS, TIMELY_HOMEWORK)
