"""Fact tables derived once per snapshot, so that each indicator is a short query.

Times in the snapshot are naive UTC. A deadline is computed in the school's time zone
(DESIGN.md decision 3) and stored back in UTC: `timezone('UTC', timezone(tz, local))`.
Tables whose name starts with «_» are scratch and dropped at the end.
"""
from __future__ import annotations

from services.core import config


def _utc(local_expr: str, off: str = "o.off") -> str:
    """A local wall-clock TIMESTAMP of the school → naive UTC TIMESTAMP, by the school's UTC offset
    on the lesson day (`_tz_offset`: one ICU conversion per zone and day, not per row; a change of
    offset within the few days of a deadline is not followed — Russia keeps none)."""
    return f"({local_expr} - {off})"


def statements(src: dict[str, str] | None = None, default_tz: str | None = None) -> list[tuple[str, str]]:
    """The statements, in order. `src` maps the streamed tables (mark, attendance, homework) to a
    subquery that reads them from the live database; by default, tables of those names."""
    src = src or {}
    mark_src, att_src, hw_src = (src.get(t, t) for t in ("mark", "attendance", "homework"))
    tz_default = (default_tz or config.get("PORTAL_TIMEZONE")).replace("'", "''")
    return [
        ("school_f", f"""
CREATE TABLE school_f AS
SELECT s.id AS school_id, s.municipality_id, s.name, s.short_name,
       coalesce(st.timezone, '{tz_default}') AS tz,
       coalesce(st.mark_deadline_hour, 21) AS mark_hour,
       coalesce(st.homework_deadline_hours, 3) AS hw_hours,
       coalesce(st.attendance_deadline_days, 2) AS att_days,
       coalesce(st.mark_round_from, 50) AS round_from
FROM school s LEFT JOIN schoolsettings st ON st.school_id = s.id
ORDER BY s.id"""),
        # the UTC offset of each school's zone on each day that lessons span (noon: no DST switch then)
        ("_tz_offset", """
CREATE TEMP TABLE _tz_offset AS
WITH zones AS (SELECT DISTINCT tz FROM school_f),
days AS (SELECT CAST(d AS DATE) AS day
         FROM range((SELECT coalesce(min(lesson_date), DATE '2000-01-01') FROM lesson),
                    (SELECT coalesce(max(lesson_date), DATE '2000-01-01') FROM lesson) + INTERVAL 2 DAY,
                    INTERVAL 1 DAY) r(d))
SELECT z.tz, days.day,
       (days.day + TIME '12:00:00') - timezone('UTC', timezone(z.tz, days.day + TIME '12:00:00')) AS off
FROM zones z, days"""),
        # how many pupils a lesson expects: the class on that day, or the subgroup's members
        ("_class_size", """
CREATE TEMP TABLE _class_size AS
WITH d AS (SELECT DISTINCT class_id, lesson_date FROM lesson WHERE subgroup_id IS NULL)
SELECT d.class_id, d.lesson_date, count(DISTINCT e.student_id) AS pupils
FROM d JOIN enrollment e ON e.class_id = d.class_id AND e.starts_on <= d.lesson_date
     AND (e.ends_on IS NULL OR e.ends_on >= d.lesson_date)
GROUP BY ALL"""),
        ("_group_size", """
CREATE TEMP TABLE _group_size AS
WITH d AS (SELECT DISTINCT subgroup_id, class_id, lesson_date FROM lesson WHERE subgroup_id IS NOT NULL)
SELECT d.subgroup_id, d.lesson_date, count(DISTINCT m.student_id) AS pupils
FROM d JOIN subgroupmember m ON m.subgroup_id = d.subgroup_id AND m.starts_on <= d.lesson_date
     AND (m.ends_on IS NULL OR m.ends_on >= d.lesson_date)
JOIN enrollment e ON e.student_id = m.student_id AND e.class_id = d.class_id AND e.starts_on <= d.lesson_date
     AND (e.ends_on IS NULL OR e.ends_on >= d.lesson_date)
GROUP BY ALL"""),
        # the lesson with its class, zone, the moments it began and ended, its deadlines, its roster
        ("_lesson", f"""
CREATE TEMP TABLE _lesson AS
WITH sb AS (
    SELECT lesson_id, id AS sub_id, absent_teacher_id, substitute_teacher_id, same_subject
    FROM substitution QUALIFY row_number() OVER (PARTITION BY lesson_id ORDER BY id DESC) = 1)
SELECT l.id AS lesson_id, l.school_id, l.class_id, c.grade, c.year_id, l.subgroup_id, l.subject_id,
       l.teacher_id, l.period_id, l.lesson_date, l.lesson_number, l.starts_at, l.ends_at, l.status, l.held,
       l.topic, l.planned_topic_id, l.topic_entered_at, l.attendance_taken_at, l.comment, s.tz,
       o.off AS utc_off,
       {_utc("l.lesson_date + l.starts_at")} AS started_at,
       {_utc("l.lesson_date + l.ends_at")} AS ended_at,
       {_utc("l.lesson_date + make_time(s.mark_hour, 0, 0)")} AS mark_due,
       {_utc("l.lesson_date + l.ends_at")} + to_hours(s.hw_hours) AS hw_due,
       {_utc("(l.lesson_date + s.att_days) + TIME '23:59:59'")} AS att_due,
       CAST(coalesce(CASE WHEN l.subgroup_id IS NULL THEN cs.pupils ELSE gs.pupils END, 0) AS INTEGER) AS pupils,
       sb.sub_id, sb.absent_teacher_id AS sub_absent_teacher_id, sb.substitute_teacher_id AS sub_teacher_id,
       coalesce(sb.same_subject, false) AS sub_same_subject,
       (l.status = 'missed' OR (sb.sub_id IS NOT NULL AND sb.substitute_teacher_id IS NULL)) AS is_missed
FROM lesson l
JOIN schoolclass c ON c.id = l.class_id
JOIN school_f s ON s.school_id = l.school_id
JOIN _tz_offset o ON o.tz = s.tz AND o.day = l.lesson_date
LEFT JOIN sb ON sb.lesson_id = l.id
LEFT JOIN _class_size cs ON cs.class_id = l.class_id AND cs.lesson_date = l.lesson_date
LEFT JOIN _group_size gs ON gs.subgroup_id = l.subgroup_id AND gs.lesson_date = l.lesson_date"""),
        ("mark_f", f"""
CREATE TABLE mark_f AS
SELECT m.id AS mark_id, l.school_id, m.student_id, l.class_id, l.grade, l.year_id, l.subgroup_id, l.subject_id,
       l.teacher_id, l.period_id, l.lesson_id, l.lesson_date, l.lesson_number, m.position, m.value,
       CAST(m.numeric AS INTEGER) AS numeric, m.entered_at, m.entered_by_user_id, t.weight, t.is_test,
       CASE WHEN t.checking_days > 0
            THEN {_utc("(l.lesson_date + CAST(t.checking_days AS INTEGER)) + TIME '23:59:59'", "l.utc_off")}
            ELSE l.mark_due END AS due,
       -- the marks of a pupil in a subject, in the journal's order: how many marks above «2» so far;
       -- marks ≤ 2 with the same number are consecutive (systemic failure looks for K of them)
       CAST(sum(CASE WHEN m.numeric > 2 THEN 1 ELSE 0 END) OVER (
           PARTITION BY m.student_id, l.subject_id ORDER BY l.lesson_date, l.lesson_number, m.position, m.id
           ROWS UNBOUNDED PRECEDING) AS INTEGER) AS fail_run
FROM {mark_src} m
JOIN work w ON w.id = m.work_id
JOIN worktype t ON t.id = w.work_type_id
JOIN _lesson l ON l.lesson_id = w.lesson_id
ORDER BY l.school_id, l.lesson_date"""),
        # per pupil, subject and study period: the marks summed and the period mark — what a unit of
        # success, quality and СОУ needs when the dates cover whole periods (the usual case)
        ("unit_f", """
CREATE TABLE unit_f AS
WITH a AS (
    SELECT school_id, student_id, subject_id, period_id,
           count(*) FILTER (WHERE value <> 'осв') AS marks, count(numeric) AS nums,
           sum(weight) FILTER (WHERE numeric IS NOT NULL AND weight > 0) AS s_w,
           sum(weight * numeric) FILTER (WHERE numeric IS NOT NULL AND weight > 0) AS s_wv,
           bool_or(value = 'осв') AS has_osv,
           count(numeric) FILTER (WHERE is_test) AS test_n, avg(numeric) FILTER (WHERE is_test) AS test_avg,
           count(numeric) FILTER (WHERE NOT is_test) AS cur_n, avg(numeric) FILTER (WHERE NOT is_test) AS cur_avg
    FROM mark_f WHERE period_id IS NOT NULL GROUP BY ALL),
pm AS (
    SELECT school_id, student_id, subject_id, period_id, max(nullif(value, '')) AS pm_value,
           max(numeric) AS pm_numeric
    FROM periodmark WHERE kind = 'period' AND period_id IS NOT NULL GROUP BY ALL)
SELECT coalesce(a.school_id, pm.school_id) AS school_id, coalesce(a.student_id, pm.student_id) AS student_id,
       coalesce(a.subject_id, pm.subject_id) AS subject_id, coalesce(a.period_id, pm.period_id) AS period_id,
       pm.pm_value, CAST(pm.pm_numeric AS INTEGER) AS pm_numeric,
       coalesce(a.marks, 0) AS marks, coalesce(a.nums, 0) AS nums, a.s_w, a.s_wv,
       coalesce(a.has_osv, false) AS has_osv, coalesce(a.test_n, 0) AS test_n, a.test_avg,
       coalesce(a.cur_n, 0) AS cur_n, a.cur_avg
FROM a FULL OUTER JOIN pm ON pm.student_id = a.student_id AND pm.subject_id = a.subject_id
     AND pm.period_id = a.period_id
ORDER BY school_id, student_id"""),
        ("att_f", f"""
CREATE TABLE att_f AS
SELECT l.school_id, a.student_id, l.lesson_id, l.class_id, l.grade, l.year_id, l.subgroup_id, l.subject_id, l.teacher_id,
       l.period_id, l.lesson_date, l.status AS lesson_status, l.ended_at, a.status, a.entered_by_user_id
FROM {att_src} a JOIN _lesson l ON l.lesson_id = a.lesson_id
ORDER BY l.school_id, l.lesson_date"""),
        ("_hw", f"""
CREATE TEMP TABLE _hw AS
SELECT lesson_id, min(entered_at) AS hw_entered_at, CAST(sum(minutes) AS INTEGER) AS hw_minutes,
       CAST(count(*) AS INTEGER) AS hw_rows, string_agg(trim(concat_ws(' ', text, pages, tasks)), ' ') AS hw_text
FROM {hw_src} GROUP BY lesson_id"""),
        ("lesson_f", """
CREATE TABLE lesson_f AS
WITH wk AS (
    SELECT w.lesson_id, count(*) AS works, count(*) FILTER (WHERE t.is_test) AS test_works
    FROM work w JOIN worktype t ON t.id = w.work_type_id GROUP BY w.lesson_id),
mk AS (SELECT lesson_id, count(*) AS marks FROM mark_f GROUP BY lesson_id),
att AS (
    SELECT lesson_id, count(*) AS att_rows, count(*) FILTER (WHERE status = 'absent') AS att_absent,
           count(*) FILTER (WHERE status = 'ill') AS att_ill, count(*) FILTER (WHERE status = 'excused') AS att_excused,
           count(*) FILTER (WHERE status = 'late') AS att_late
    FROM att_f GROUP BY lesson_id)
SELECT l.*, hw.hw_entered_at, coalesce(hw.hw_minutes, 0) AS hw_minutes, coalesce(hw.hw_rows, 0) AS hw_rows,
       coalesce(hw.hw_text, '') AS hw_text,
       CAST(coalesce(wk.works, 0) AS INTEGER) AS works, CAST(coalesce(wk.test_works, 0) AS INTEGER) AS test_works,
       CAST(coalesce(mk.marks, 0) AS INTEGER) AS marks, CAST(coalesce(att.att_rows, 0) AS INTEGER) AS att_rows,
       CAST(coalesce(att.att_absent, 0) AS INTEGER) AS att_absent, CAST(coalesce(att.att_ill, 0) AS INTEGER) AS att_ill,
       CAST(coalesce(att.att_excused, 0) AS INTEGER) AS att_excused,
       CAST(coalesce(att.att_late, 0) AS INTEGER) AS att_late
FROM _lesson l
LEFT JOIN _hw hw ON hw.lesson_id = l.lesson_id
LEFT JOIN wk ON wk.lesson_id = l.lesson_id
LEFT JOIN mk ON mk.lesson_id = l.lesson_id
LEFT JOIN att ON att.lesson_id = l.lesson_id
ORDER BY l.school_id, l.lesson_date, l.lesson_id"""),
        ("enrol_f", """
CREATE TABLE enrol_f AS
SELECT e.school_id, e.student_id, e.class_id, c.grade, c.year_id, c.name AS class_name, e.starts_on,
       e.ends_on, e.reason, s.left_on, s.user_id, s.sex, s.birth_date
FROM enrollment e JOIN schoolclass c ON c.id = e.class_id JOIN student s ON s.id = e.student_id
ORDER BY e.school_id, e.class_id"""),
        # lessons each pupil was expected at, per day (lessons that have ended)
        ("pupil_day", """
CREATE TABLE pupil_day AS
WITH cl AS (
    SELECT class_id, lesson_date, count(*) AS n FROM lesson_f
    WHERE subgroup_id IS NULL AND status = 'scheduled' AND ended_at <= (SELECT taken_at FROM _asof)
    GROUP BY ALL),
gl AS (
    SELECT subgroup_id, class_id, lesson_date, count(*) AS n FROM lesson_f
    WHERE subgroup_id IS NOT NULL AND status = 'scheduled' AND ended_at <= (SELECT taken_at FROM _asof)
    GROUP BY ALL),
per_day AS (
    SELECT e.school_id, e.student_id, cl.lesson_date, cl.n
    FROM cl JOIN enrollment e ON e.class_id = cl.class_id AND e.starts_on <= cl.lesson_date
         AND (e.ends_on IS NULL OR e.ends_on >= cl.lesson_date)
    UNION ALL
    SELECT e.school_id, e.student_id, gl.lesson_date, gl.n
    FROM gl JOIN subgroupmember m ON m.subgroup_id = gl.subgroup_id AND m.starts_on <= gl.lesson_date
         AND (m.ends_on IS NULL OR m.ends_on >= gl.lesson_date)
    JOIN enrollment e ON e.student_id = m.student_id AND e.class_id = gl.class_id
         AND e.starts_on <= gl.lesson_date AND (e.ends_on IS NULL OR e.ends_on >= gl.lesson_date))
SELECT school_id, student_id, lesson_date, CAST(sum(n) AS INTEGER) AS lessons
FROM per_day GROUP BY ALL ORDER BY school_id, student_id, lesson_date"""),
        ("topic_f", """
CREATE TABLE topic_f AS
SELECT t.id AS topic_id, p.school_id, p.year_id, p.subject_id, p.class_id, p.grade, t.number, t.hours,
       t.work_kind, t.planned_on
FROM plannedtopic t JOIN lessonplan p ON p.id = t.plan_id
ORDER BY p.school_id"""),
    ]
