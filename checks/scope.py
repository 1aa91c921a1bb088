"""The parameters of a run — school or municipality, parallel or class, subject, teacher,
dates — bound on one DuckDB cursor as temporary tables and views named `s_*` and `params`.

Every indicator query reads these objects only, so the same SQL serves a class, a school and a
municipality. Values are rendered as literals (ints and ISO dates only), which lets DuckDB
push the school and date filters into the scans and skip other schools' row groups.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

import duckdb

from services.core import clock
from services.rules.averages import sql_round_mark

UTC = timezone.utc


@dataclass(frozen=True)
class Scope:
    school_ids: tuple[int, ...]
    date_from: date
    date_to: date
    grades: tuple[int, ...] = ()
    class_ids: tuple[int, ...] = ()
    subject_ids: tuple[int, ...] = ()
    teacher_id: int | None = None

    def __post_init__(self):
        if not self.school_ids:
            raise ValueError("Не выбрана ни одна школа.")
        if self.date_from > self.date_to:
            raise ValueError("Начало периода позже его конца.")

    @property
    def narrowed(self) -> bool:
        return bool(self.grades or self.class_ids or self.subject_ids or self.teacher_id)

    def with_dates(self, date_from: date, date_to: date) -> "Scope":
        return replace(self, date_from=date_from, date_to=date_to)


def _ints(values) -> str:
    return ", ".join(str(int(v)) for v in values)


def _d(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _ts(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"


def _num(value) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


@dataclass
class Bound:
    """A cursor with a scope bound on it; `need(sql)` creates the lazy objects a query uses."""
    con: duckdb.DuckDBPyConnection
    scope: Scope
    now: datetime                    # the snapshot's moment (aware UTC): deadlines are judged at it
    ref_date: date                   # the last day counted: min(date_to, the snapshot's local date)
    params: dict[int, dict[str, float]]  # school → definition parameters
    created: set[str] = field(default_factory=set)

    # --- literal fragments ------------------------------------------------------------------
    @property
    def schools(self) -> str:
        return _ints(self.scope.school_ids)

    def _subject_filter(self, alias: str = "") -> str:
        col = f"{alias}subject_id"
        return f" AND {col} IN ({_ints(self.scope.subject_ids)})" if self.scope.subject_ids else ""

    def _teacher_filter(self, alias: str = "") -> str:
        return f" AND {alias}teacher_id = {int(self.scope.teacher_id)}" if self.scope.teacher_id else ""

    # --- objects ----------------------------------------------------------------------------
    def bind(self, param_names: list[str]) -> "Bound":
        s, d1, ref = self.scope, _d(self.scope.date_from), _d(self.ref_date)
        tz = clock.zone(None)
        ref_end = min(self.now, datetime.combine(self.ref_date + timedelta(days=1), time(0), tz))
        local_today = self.today = self.now.astimezone(tz).date()
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE params AS SELECT {d1} AS d1, {_d(s.date_to)} AS d2, {ref} AS ref_date, "
            f"{_ts(self.now)} AS now_at, {_ts(ref_end)} AS ref_end, {_d(local_today)} AS today")
        columns = ", ".join(["school_id", *param_names])
        rows = []
        for school_id in s.school_ids:
            values = self.params.get(school_id, {})
            rows.append("(" + ", ".join([str(int(school_id)), *(_num(values[n]) for n in param_names)]) + ")")
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE s_school AS SELECT f.*, {', '.join('v.' + n for n in param_names) or 'NULL AS none'} "
            f"FROM school_f f JOIN (VALUES {', '.join(rows)}) v({columns}) ON v.school_id = f.school_id")
        narrow = ""
        if s.grades:
            narrow += f" AND c.grade IN ({_ints(s.grades)})"
        if s.class_ids:
            narrow += f" AND c.id IN ({_ints(s.class_ids)})"
        if s.teacher_id:
            t = int(s.teacher_id)
            narrow += (f" AND c.id IN (SELECT class_id FROM teachingassignment WHERE teacher_id = {t} "
                       f"UNION SELECT class_id FROM lesson_f WHERE school_id IN ({self.schools}) AND teacher_id = {t})")
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE s_class AS
            SELECT c.id AS class_id, c.school_id, c.grade, c.name AS class_name, c.year_id, y.start_year
            FROM schoolclass c JOIN academicyear y ON y.id = c.year_id
            WHERE c.school_id IN ({self.schools}) AND y.starts_on <= {_d(s.date_to)} AND y.ends_on >= {d1}{narrow}""")
        years = [r[0] for r in self.con.execute("SELECT DISTINCT year_id FROM s_class").fetchall()] or [0]
        # Without a parallel, class or teacher the class filter is the school years of the dates
        # alone: a literal list, which DuckDB checks in the scan itself.
        if s.grades or s.class_ids or s.teacher_id:
            classes = " AND class_id IN (SELECT class_id FROM s_class)"
        else:
            classes = f" AND year_id IN ({_ints(years)})"
        in_scope = f"school_id IN ({self.schools}){classes}"
        sub, tea = self._subject_filter(), self._teacher_filter()
        views = {
            "s_lesson": f"SELECT * FROM lesson_f WHERE {in_scope} AND lesson_date BETWEEN {d1} AND {ref}{sub}{tea}",
            "s_lesson_all": f"SELECT * FROM lesson_f WHERE {in_scope} AND lesson_date <= {ref}{sub}{tea}",
            "s_mark_all": f"SELECT * FROM mark_f WHERE {in_scope} AND lesson_date <= {ref}{sub}{tea}",
            "s_mark": f"SELECT * FROM mark_f WHERE {in_scope} AND lesson_date BETWEEN {d1} AND {ref}{sub}{tea}",
            "s_att": f"SELECT * FROM att_f WHERE {in_scope} AND lesson_date BETWEEN {d1} AND {ref}{sub}{tea}",
            # a pupil's absences over all their lessons (no subject or teacher filter)
            "s_att_any": f"SELECT * FROM att_f WHERE {in_scope} AND lesson_date <= {ref}",
        }
        for name, sql in views.items():
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
        self.created = {"params", "s_school", "s_class", *views}
        return self

    def _lazy(self) -> dict[str, tuple[tuple[str, ...], str]]:
        s, d1, ref = self.scope, _d(self.scope.date_from), _d(self.ref_date)
        sub, tea = self._subject_filter("ci."), ""
        if s.teacher_id:
            tea = (f" AND EXISTS (SELECT 1 FROM teachingassignment ta WHERE ta.class_id = ci.class_id "
                   f"AND ta.subject_id = ci.subject_id AND ta.teacher_id = {int(s.teacher_id)})")
        teacher_narrow = ""
        if s.narrowed:
            teacher_narrow = (
                " AND g.user_id IN (SELECT st.user_id FROM staff st JOIN teachingassignment ta ON ta.teacher_id = st.id"
                f" WHERE ta.class_id IN (SELECT class_id FROM s_class){self._subject_filter('ta.')}"
                f"{self._teacher_filter('ta.')})")
        return {
            # the last study day of each class in the range: pupils are counted as of that day
            "s_class_ref": ((), f"""
                SELECT c.class_id, least({ref}, coalesce(max(l.lesson_date), {ref})) AS pupil_ref
                FROM s_class c LEFT JOIN (
                    SELECT class_id, lesson_date FROM lesson_f
                    WHERE school_id IN ({self.schools}) AND lesson_date BETWEEN {d1} AND {ref} AND status <> 'cancelled'
                ) l ON l.class_id = c.class_id
                GROUP BY c.class_id"""),
            # the pupils counted: in a class of the scope on its reference day, not left
            "s_pupil": (("s_class_ref",), f"""
                SELECT e.student_id, e.class_id, e.school_id, e.grade, c.class_name, e.user_id, e.sex, e.birth_date,
                       r.pupil_ref
                FROM enrol_f e JOIN s_class_ref r ON r.class_id = e.class_id JOIN s_class c ON c.class_id = e.class_id
                WHERE e.school_id IN ({self.schools}) AND e.starts_on <= r.pupil_ref
                  AND (e.ends_on IS NULL OR e.ends_on >= r.pupil_ref) AND (e.left_on IS NULL OR e.left_on > r.pupil_ref)
                QUALIFY row_number() OVER (PARTITION BY e.student_id ORDER BY e.starts_on DESC, e.class_id) = 1"""),
            "s_period": ((), f"""
                SELECT p.id AS period_id, p.school_id, p.year_id, p.number, p.name AS period_name, p.starts_on,
                       p.ends_on, greatest(p.starts_on, {d1}) AS w_start, least(p.ends_on, {ref}) AS w_end,
                       p.ends_on <= {ref} AS ended,
                       -- the dates cover the period up to its end or up to today: all its marks count
                       {d1} <= p.starts_on AND least(p.ends_on, {ref}) >= least(p.ends_on, {_d(self.today)}) AS whole
                FROM studyperiod p
                WHERE p.school_id IN ({self.schools}) AND p.year_id IN (SELECT DISTINCT year_id FROM s_class)
                  AND p.starts_on <= {ref} AND p.ends_on >= {d1}"""),
            "s_curr": ((), f"""
                SELECT ci.class_id, ci.subject_id, ci.hours_per_week, ci.no_attestation, ci.marking, ci.split,
                       c.school_id, c.grade
                FROM curriculumitem ci JOIN s_class c ON c.class_id = ci.class_id
                WHERE ci.school_id IN ({self.schools}){sub}{tea}"""),
            # (pupil, subject, study period): the unit of success, quality and СОУ
            "s_unit": (("s_class_ref", "s_period", "s_curr"), f"""
                WITH pp AS (
                    SELECT p.period_id, p.number AS period_number, p.period_name, p.starts_on, p.ends_on, p.w_start,
                           p.w_end, p.ended, p.whole{' AND false' if s.teacher_id else ''} AS whole,
                           e.student_id, e.class_id, e.school_id, e.grade
                    FROM s_period p
                    JOIN s_class c ON c.year_id = p.year_id AND c.school_id = p.school_id
                    JOIN s_class_ref r ON r.class_id = c.class_id
                    JOIN enrol_f e ON e.class_id = c.class_id AND e.starts_on <= least(p.w_end, r.pupil_ref)
                         AND (e.ends_on IS NULL OR e.ends_on >= least(p.w_end, r.pupil_ref))
                         AND (e.left_on IS NULL OR e.left_on > r.pupil_ref)
                    WHERE p.w_start <= p.w_end),
                base AS (
                    SELECT pp.*, cu.subject_id, cu.hours_per_week, cu.marking
                    FROM pp JOIN s_curr cu ON cu.class_id = pp.class_id AND NOT cu.no_attestation),
                whole AS (
                    -- the dates cover the period: the sums of the snapshot (all the pupil's marks in it)
                    SELECT b.*, u.pm_value, u.pm_numeric, coalesce(u.marks, 0) AS marks, coalesce(u.nums, 0) AS nums,
                           u.s_w, u.s_wv, coalesce(u.has_osv, false) AS has_osv, coalesce(u.test_n, 0) AS test_n,
                           u.test_avg, coalesce(u.cur_n, 0) AS cur_n, u.cur_avg
                    FROM base b LEFT JOIN (SELECT * FROM unit_f WHERE school_id IN ({self.schools})) u
                         ON u.student_id = b.student_id AND u.subject_id = b.subject_id AND u.period_id = b.period_id
                    WHERE b.whole),
                mk AS (
                    -- part of a period (or one teacher's lessons): count the marks themselves
                    SELECT pp.period_id, m.student_id, m.subject_id,
                           count(*) FILTER (WHERE m.value <> 'осв') AS marks,
                           count(m.numeric) AS nums,
                           sum(m.weight) FILTER (WHERE m.numeric IS NOT NULL AND m.weight > 0) AS s_w,
                           sum(m.weight * m.numeric) FILTER (WHERE m.numeric IS NOT NULL AND m.weight > 0) AS s_wv,
                           bool_or(m.value = 'осв') AS has_osv,
                           count(m.numeric) FILTER (WHERE m.is_test) AS test_n,
                           avg(m.numeric) FILTER (WHERE m.is_test) AS test_avg,
                           count(m.numeric) FILTER (WHERE NOT m.is_test) AS cur_n,
                           avg(m.numeric) FILTER (WHERE NOT m.is_test) AS cur_avg
                    FROM pp JOIN s_mark_all m ON m.student_id = pp.student_id AND m.period_id = pp.period_id
                         AND m.lesson_date BETWEEN pp.w_start AND pp.w_end
                    WHERE NOT pp.whole
                    GROUP BY ALL),
                part AS (
                    -- a period mark counts once its period has ended by the last day of the dates
                    SELECT b.*, CASE WHEN b.ended THEN nullif(pm.value, '') END AS pm_value,
                           CASE WHEN b.ended THEN pm.numeric END AS pm_numeric,
                           coalesce(mk.marks, 0) AS marks, coalesce(mk.nums, 0) AS nums, mk.s_w, mk.s_wv,
                           coalesce(mk.has_osv, false) AS has_osv, coalesce(mk.test_n, 0) AS test_n, mk.test_avg,
                           coalesce(mk.cur_n, 0) AS cur_n, mk.cur_avg
                    FROM base b
                    LEFT JOIN periodmark pm ON pm.kind = 'period' AND pm.period_id = b.period_id
                         AND pm.student_id = b.student_id AND pm.subject_id = b.subject_id
                    LEFT JOIN mk ON mk.period_id = b.period_id AND mk.student_id = b.student_id
                         AND mk.subject_id = b.subject_id
                    WHERE NOT b.whole)
                SELECT x.*, x.s_wv / x.s_w AS wavg,
                       CASE WHEN x.pm_value IS NOT NULL THEN x.pm_value
                            -- the school's rounding of the suggested mark (services/rules/averages)
                            WHEN x.s_w > 0 THEN CAST({sql_round_mark('x.s_wv / x.s_w', 'ss.round_from')} AS VARCHAR)
                            WHEN x.has_osv THEN 'осв'
                       END AS final
                FROM (SELECT * FROM whole UNION ALL BY NAME SELECT * FROM part) x
                JOIN s_school ss ON ss.school_id = x.school_id"""),
            # accounts: teachers of the scope, pupils counted, their parents
            "s_teacher_acc": ((), f"""
                SELECT g.user_id, min(g.school_id) AS school_id
                FROM rolegrant g, params p
                WHERE g.role = 'teacher' AND g.school_id IN ({self.schools}) AND g.user_id IS NOT NULL
                  AND g.granted_at <= p.now_at AND (g.revoked_at IS NULL OR g.revoked_at > p.now_at){teacher_narrow}
                GROUP BY g.user_id"""),
            "s_student_acc": (("s_pupil",), """
                SELECT user_id, school_id, class_id FROM s_pupil WHERE user_id IS NOT NULL"""),
            "s_guardian": (("s_pupil",), """
                SELECT g.id AS guardian_id, g.user_id, min(p.school_id) AS school_id, min(p.class_id) AS class_id
                FROM s_pupil p JOIN studentguardian sg ON sg.student_id = p.student_id
                JOIN guardian g ON g.id = sg.guardian_id GROUP BY g.id, g.user_id"""),
            "s_parent_acc": (("s_guardian",), """
                SELECT user_id, min(school_id) AS school_id, min(class_id) AS class_id
                FROM s_guardian WHERE user_id IS NOT NULL GROUP BY user_id"""),
            "s_years": ((), f"""
                SELECT y.id AS year_id, y.school_id, y.start_year FROM academicyear y
                WHERE y.school_id IN ({self.schools}) AND y.starts_on <= {_d(s.date_to)} AND y.ends_on >= {d1}"""),
        }

    def need(self, sql: str) -> None:
        """Create the lazy scope objects that `sql` refers to (and what they depend on)."""
        lazy = self._lazy()
        for name in re.findall(r"\bs_[a-z_]+\b", sql):
            self._create(name, lazy)

    def _create(self, name: str, lazy: dict) -> None:
        if name in self.created or name not in lazy:
            return
        deps, sql = lazy[name]
        for dep in deps:
            self._create(dep, lazy)
        self.need(sql)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        self.created.add(name)


def ref_date_for(scope: Scope, now: datetime) -> date:
    return min(scope.date_to, now.astimezone(clock.zone(None)).date())
