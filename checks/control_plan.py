"""The internal control plan (5.17, R-CTL-3): each check lists its findings.

A finding has the columns of checks.base.FINDING_COLUMNS: school, class, subject, teacher
(Staff id), lesson, lesson date, what is wrong (Russian) and since when (local time)."""
from __future__ import annotations

from checks.base import Check, Param
from checks.ind_journal import ACCUMULATION_UNITS
from services.rules.working_days import official_days_off


def local(expr: str, tz: str = "l.tz") -> str:
    """A naive-UTC timestamp → the school's wall-clock time."""
    return f"timezone({tz}, timezone('UTC', {expr}))"


def show(expr: str, tz: str = "l.tz") -> str:
    return f"strftime({local(expr, tz)}, '%d.%m.%Y %H:%M')"


def _late(expr: str, due: str) -> str:
    """«на 2 ч 15 мин» / «на 3 дн.»."""
    minutes = f"CAST(epoch({expr} - {due}) / 60 AS INTEGER)"
    return (f"CASE WHEN {minutes} >= 1440 THEN 'на ' || ({minutes} // 1440) || ' дн.' "
            f"WHEN {minutes} >= 60 THEN 'на ' || ({minutes} // 60) || ' ч ' || ({minutes} % 60) || ' мин' "
            f"ELSE 'на ' || {minutes} || ' мин' END")


TEACHER_OF = ("(SELECT min(ta.teacher_id) FROM teachingassignment ta WHERE ta.class_id = {a}.class_id "
              "AND ta.subject_id = {a}.subject_id)")

TOPICS = Check(
    id="ctl_topics_timely", group="plan", name="Своевременность записи уроков",
    definition=("Уроки, тема которых не записана к 21:00 дня урока или записана позже этого срока."),
    findings_sql=f"""
        SELECT l.school_id, l.class_id, l.subject_id, l.teacher_id, l.lesson_id, l.lesson_date,
               CASE WHEN l.topic = '' THEN 'Тема урока не записана'
                    ELSE 'Тема записана с опозданием ' || {_late('l.topic_entered_at', 'l.mark_due')} END AS what,
               {local('l.mark_due')} AS since
        FROM s_lesson l, params p
        WHERE l.status = 'scheduled' AND l.mark_due <= p.now_at
          AND (l.topic = '' OR l.topic_entered_at > l.mark_due)""",
)

MARKS = Check(
    id="ctl_marks_timely", group="plan", name="Своевременность выставления отметок",
    definition="Уроки, отметки за которые выставлены позже срока: 21:00 дня урока или срока проверки вида работы.",
    findings_sql=f"""
        SELECT m.school_id, m.class_id, m.subject_id, m.teacher_id, m.lesson_id, m.lesson_date,
               'Отметки выставлены позже срока: ' || count(*) || ' шт., последняя — '
                   || {show('max(m.entered_at)', 's.tz')} AS what,
               {local('min(m.due)', 's.tz')} AS since
        FROM s_mark m JOIN s_school s ON s.school_id = m.school_id
        WHERE m.entered_at > m.due GROUP BY m.school_id, m.class_id, m.subject_id, m.teacher_id, m.lesson_id,
              m.lesson_date, s.tz""",
)

ACCUMULATION = Check(
    id="ctl_mark_accumulation", group="plan", name="График накопляемости отметок",
    definition=("Классы и предметы, где у учеников меньше отметок, чем норма накопляемости (2 × часов в неделю + 1, "
                "не меньше 3, для идущего периода — пропорционально прошедшим дням). Только отметки 1–5 и только "
                "предметы с пятибалльными отметками."),
    findings_sql=f"""
{ACCUMULATION_UNITS}
        SELECT u.school_id, u.class_id, u.subject_id, {TEACHER_OF.format(a='u')} AS teacher_id,
               CAST(NULL AS INTEGER) AS lesson_id, CAST(NULL AS DATE) AS lesson_date,
               'Мало отметок (' || u.period_name || '): у ' || count(*) || ' уч. меньше ' || max(u.required)
                   || ' отметок' AS what,
               CAST(min(u.w_start) AS TIMESTAMP) AS since
        FROM u WHERE u.marks < u.required
        GROUP BY u.school_id, u.class_id, u.subject_id, u.period_name""",
)

ATTENDANCE = Check(
    id="ctl_attendance_recorded", group="plan", name="Учёт посещаемости",
    definition="Уроки, посещаемость которых не отмечена до конца дня урока + 2 дня (п. 1.12) или отмечена позже.",
    findings_sql=f"""
        SELECT l.school_id, l.class_id, l.subject_id, l.teacher_id, l.lesson_id, l.lesson_date,
               CASE WHEN l.attendance_taken_at IS NULL THEN 'Посещаемость не отмечена'
                    ELSE 'Посещаемость отмечена с опозданием ' || {_late('l.attendance_taken_at', 'l.att_due')}
               END AS what,
               {local('l.att_due')} AS since
        FROM s_lesson l, params p
        WHERE l.status = 'scheduled' AND l.att_due <= p.now_at
          AND ((l.attendance_taken_at IS NULL AND l.att_rows = 0) OR l.attendance_taken_at > l.att_due)""",
)

CURRICULUM = Check(
    id="ctl_curriculum", group="plan", groups=("period_end",), name="Выполнение учебного плана",
    params=(Param("curr_share", "Допустимо проведено не меньше, %", 90,
                  "Доля часов учебного плана, положенных к дате, ниже которой это замечание"),),
    definition=("Классы и предметы, где проведено меньше 90 % часов учебного плана, положенных к концу выбранных "
                "дат: часы в неделю × учебные недели (рабочие дни учебных периодов без праздников / 5)."),
    findings_sql=f"""
        WITH days AS (
            SELECT sp.period_id, sp.year_id, sp.school_id,
                   (SELECT count(*) FROM range(sp.w_start, sp.w_end + INTERVAL 1 DAY, INTERVAL 1 DAY) r(d)
                    WHERE isodow(r.d) <= 5 AND NOT EXISTS (
                        SELECT 1 FROM holiday h WHERE h.school_id = sp.school_id AND h.year_id = sp.year_id
                          AND CAST(r.d AS DATE) BETWEEN h.starts_on AND h.ends_on)) AS workdays
            FROM s_period sp),
        weeks AS (SELECT year_id, sum(workdays) / 5.0 AS weeks FROM days GROUP BY year_id),
        held AS (
            SELECT class_id, subject_id, count(DISTINCT (lesson_date, lesson_number)) AS held
            FROM s_lesson WHERE held GROUP BY ALL),
        plan AS (
            SELECT cu.school_id, cu.class_id, cu.subject_id, cu.hours_per_week,
                   round(cu.hours_per_week * w.weeks) AS planned, coalesce(h.held, 0) AS held
            FROM s_curr cu JOIN s_class c ON c.class_id = cu.class_id JOIN weeks w ON w.year_id = c.year_id
            LEFT JOIN held h ON h.class_id = cu.class_id AND h.subject_id = cu.subject_id
            WHERE cu.hours_per_week > 0)
        SELECT pl.school_id, pl.class_id, pl.subject_id, {TEACHER_OF.format(a='pl')} AS teacher_id,
               CAST(NULL AS INTEGER) AS lesson_id, CAST(NULL AS DATE) AS lesson_date,
               'Проведено ' || pl.held || ' ч из ' || CAST(pl.planned AS INTEGER) || ' по учебному плану' AS what,
               CAST(p.d1 AS TIMESTAMP) AS since
        FROM plan pl JOIN s_school s ON s.school_id = pl.school_id, params p
        WHERE pl.held * 100.0 < s.curr_share * pl.planned""",
)

HOMEWORK = Check(
    id="ctl_homework_entered", group="plan", name="Запись домашнего задания",
    definition=("Уроки 2–11 классов, домашнее задание к которым записано позже чем через 3 часа после урока "
                "(п. 1.10). Урок, к которому ДЗ не задано, замечанием не считается."),
    findings_sql=f"""
        SELECT l.school_id, l.class_id, l.subject_id, l.teacher_id, l.lesson_id, l.lesson_date,
               'Домашнее задание записано с опозданием ' || {_late('l.hw_entered_at', 'l.hw_due')} AS what,
               {local('l.hw_due')} AS since
        FROM s_lesson l
        WHERE l.grade >= 2 AND l.status = 'scheduled' AND l.hw_entered_at > l.hw_due""",
)

LIMIT_MINUTES = "CASE WHEN grade <= 1 THEN 0 WHEN grade <= 3 THEN 90 WHEN grade <= 5 THEN 120 WHEN grade <= 8 THEN 150 ELSE 210 END"

HOMEWORK_VOLUME = Check(
    id="ctl_homework_volume", group="plan", name="Объём домашнего задания (СанПиН)",
    definition=("Дни, когда домашнее задание, заданное классу на уроках одного дня, по оценке учителей занимает "
                "больше нормы СанПиН 1.2.3685-21: 1 класс — без ДЗ, 2–3 — 1,5 ч, 4–5 — 2 ч, 6–8 — 2,5 ч, "
                "9–11 — 3,5 ч. У подгрупп одного урока берётся наибольшее время."),
    findings_sql=f"""
        WITH per_lesson AS (
            SELECT l.school_id, l.class_id, l.grade, l.lesson_date, l.subject_id, l.lesson_number,
                   max(l.hw_minutes) AS minutes
            FROM s_lesson l WHERE l.hw_rows > 0 AND l.status = 'scheduled' GROUP BY ALL),
        per_day AS (
            SELECT pl.school_id, pl.class_id, pl.grade, pl.lesson_date, sum(pl.minutes) AS minutes,
                   string_agg(coalesce(nullif(sj.short_name, ''), sj.name) || ' ' || pl.minutes, ', '
                              ORDER BY pl.lesson_number) AS detail
            FROM per_lesson pl JOIN subject sj ON sj.id = pl.subject_id GROUP BY ALL)
        SELECT school_id, class_id, CAST(NULL AS INTEGER) AS subject_id, CAST(NULL AS INTEGER) AS teacher_id,
               CAST(NULL AS INTEGER) AS lesson_id, lesson_date,
               CASE WHEN grade <= 1 THEN 'Домашнее задание в 1 классе не задаётся: ' || detail
                    ELSE 'ДЗ на день ' || minutes || ' мин при норме ' || ({LIMIT_MINUTES}) || ' мин: ' || detail
               END AS what,
               CAST(lesson_date AS TIMESTAMP) AS since
        FROM per_day WHERE grade <= 1 OR minutes > ({LIMIT_MINUTES})""",
)

SUBSTITUTIONS = Check(
    id="ctl_substitutions", group="plan", name="Замещённые и пропущенные уроки",
    definition=("Уроки, оставшиеся без учителя (замена не найдена, урок сорван), и замены учителем другого "
                "предмета."),
    findings_sql=f"""
        SELECT l.school_id, l.class_id, l.subject_id, coalesce(l.sub_absent_teacher_id, l.teacher_id) AS teacher_id,
               l.lesson_id, l.lesson_date,
               CASE WHEN l.is_missed THEN 'Урок не проведён: замена не найдена'
                    ELSE 'Замена учителем другого предмета: '
                         || coalesce((SELECT trim(last_name || ' ' || first_name) FROM staff WHERE id = l.sub_teacher_id), '—')
               END AS what,
               {local('l.started_at')} AS since
        FROM s_lesson l WHERE l.is_missed OR (l.sub_id IS NOT NULL AND NOT l.sub_same_subject)""",
)

FOREIGN = ("(lower(sj.name) SIMILAR TO '.*(иностран|английск|немецк|французск|испанск|китайск|итальянск|латин).*' "
           "OR lower(sj.area) LIKE '%иностран%')")
CYR = "'\\p{Cyrillic}'"

NON_CYRILLIC = Check(  # R-SAFE-5: records are kept in Russian
    id="ctl_non_cyrillic", group="plan", name="Записи не на русском языке",
    definition=("Темы уроков и домашние задания, в которых нет ни одной русской буквы (записи ведутся на русском, "
                "п. 4.4; на уроках иностранного языка можно цитировать язык)."),
    findings_sql=f"""
        WITH x AS (
            SELECT l.*, (l.topic <> '' AND NOT regexp_matches(l.topic, {CYR})) AS bad_topic,
                   (l.hw_text <> '' AND NOT regexp_matches(l.hw_text, {CYR})) AS bad_hw
            FROM s_lesson l JOIN subject sj ON sj.id = l.subject_id WHERE NOT {FOREIGN})
        SELECT x.school_id, x.class_id, x.subject_id, x.teacher_id, x.lesson_id, x.lesson_date,
               concat_ws('; ', CASE WHEN bad_topic THEN 'Тема без кириллицы: «' || x.topic || '»' END,
                               CASE WHEN bad_hw THEN 'ДЗ без кириллицы: «' || x.hw_text || '»' END) AS what,
               {local('coalesce(CASE WHEN bad_topic THEN x.topic_entered_at END, x.hw_entered_at, x.started_at)', 'x.tz')}
                   AS since
        FROM x WHERE bad_topic OR bad_hw""",
)

MONTHS = "['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь']"

DIRECTOR_REVIEW = Check(
    id="ctl_director_review", group="plan", name="Ежемесячная проверка журнала директором",
    definition=("Календарные месяцы учебных периодов, закончившиеся к концу выбранных дат, за которые нет акта "
                "проверки журнала директором (п. 4.7, 5.10)."),
    findings_sql=f"""
        WITH span AS (SELECT school_id, min(starts_on) AS s0, max(ends_on) AS s1 FROM s_period GROUP BY school_id),
        months AS (
            SELECT span.school_id, CAST(m.month AS DATE) AS month
            FROM span, params p,
                 range(date_trunc('month', greatest(span.s0, p.d1)), date_trunc('month', least(span.s1, p.ref_date))
                       + INTERVAL 1 DAY, INTERVAL 1 MONTH) m(month)),
        acts AS (
            SELECT school_id, CAST(date_trunc('month', held_on) AS DATE) AS month FROM controlact
            WHERE kind = 'director_review' GROUP BY ALL)
        SELECT m.school_id, CAST(NULL AS INTEGER) AS class_id, CAST(NULL AS INTEGER) AS subject_id,
               CAST(NULL AS INTEGER) AS teacher_id, CAST(NULL AS INTEGER) AS lesson_id, CAST(NULL AS DATE) AS lesson_date,
               'Нет проверки журнала директором за ' || list_extract({MONTHS}, month(m.month)) || ' '
                   || year(m.month) AS what,
               CAST(last_day(m.month) + 1 AS TIMESTAMP) AS since
        FROM months m LEFT JOIN acts a ON a.school_id = m.school_id AND a.month = m.month, params p
        WHERE a.month IS NULL AND last_day(m.month) <= p.ref_date AND last_day(m.month) < p.today""",
)

# the official days off (public holidays and the days off moved by decree) of the years a school may
# look at, as a DuckDB list literal: the snapshot has no production calendar of its own
_DAYS_OFF = "[" + ", ".join(f"DATE '{d}'" for d in official_days_off(2018, 2035)) + "]"

DAYS_OFF = Check(
    id="ctl_lessons_on_days_off", group="plan", name="Уроки в праздничные и выходные дни",
    definition=("Уроки, отмеченные проведёнными в официальный нерабочий день (праздник или выходной, перенесённый "
                "постановлением правительства, например 09.01.2026, 09.03.2026, 11.05.2026) или в день каникул и "
                "праздников календаря школы."),
    findings_sql=f"""
        SELECT l.school_id, l.class_id, l.subject_id, l.teacher_id, l.lesson_id, l.lesson_date,
               'Урок проведён в нерабочий день: ' || coalesce(
                   (SELECT min(h.name) FROM holiday h WHERE h.school_id = l.school_id
                        AND l.lesson_date BETWEEN h.starts_on AND h.ends_on),
                   'официальный выходной ' || strftime(l.lesson_date, '%d.%m.%Y')) AS what,
               CAST(l.lesson_date AS TIMESTAMP) AS since
        FROM s_lesson l
        WHERE l.status = 'scheduled' AND l.held
          AND (list_contains({_DAYS_OFF}, l.lesson_date)
               OR EXISTS (SELECT 1 FROM holiday h WHERE h.school_id = l.school_id
                          AND l.lesson_date BETWEEN h.starts_on AND h.ends_on))""",
)

CHECKS = (TOPICS, MARKS, ACCUMULATION, ATTENDANCE, CURRICULUM, HOMEWORK, HOMEWORK_VOLUME, SUBSTITUTIONS,
          NON_CYRILLIC, DIRECTOR_REVIEW, DAYS_OFF)
