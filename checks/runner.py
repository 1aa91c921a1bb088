"""Running indicators and checks over the snapshot for one scope.

    with runner.run(scope) as r:
        results = r.values()                 # headline per indicator (school or municipality)
        per_school = r.by_school("attendance")
        columns, rows = r.drilldown("attendance")
        found = r.findings("ctl_homework_volume")

All the numbers come from the snapshot (checks/snapshot.py); the deadlines are judged at the
moment the snapshot was taken.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterator

from checks import registry, snapshot
from checks.base import COUNT, FINDING_COLUMNS, Check, Indicator, Result, headline, status
from checks.scope import Bound, Scope, ref_date_for

DRILL_LIMIT = 5000


@dataclass(frozen=True)
class Overrides:
    """A school's own parameters and thresholds (from IndicatorSetting), by school id."""
    params: dict = field(default_factory=dict)       # school → {param: value}
    thresholds: dict = field(default_factory=dict)   # school → {id: (green, yellow)}

    def param_values(self, school_ids) -> dict[int, dict[str, float]]:
        defaults = {name: p.default for name, p in registry.all_params().items()}
        return {s: {**defaults, **self.params.get(s, {})} for s in school_ids}

    def limits(self, entry: Indicator | Check, school_id: int | None = None) -> tuple[float, float]:
        if school_id is not None and entry.id in self.thresholds.get(school_id, {}):
            return self.thresholds[school_id][entry.id]
        return entry.green, entry.yellow


@dataclass(frozen=True)
class Finding:
    school_id: int
    school: str
    class_id: int | None
    class_name: str
    subject_id: int | None
    subject: str
    teacher_id: int | None
    teacher: str
    teacher_user_id: int | None
    class_teacher_user_id: int | None
    lesson_id: int | None
    lesson_date: date | None
    what: str
    since: datetime | None  # the school's local time


@dataclass(frozen=True)
class Part:
    """One school's or one class's share of an indicator (for the coordinator: no names of pupils)."""
    key: int | None
    title: str
    school_id: int | None
    value: float | None
    numerator: float | None
    denominator: float | None
    status: str


class Run:
    def __init__(self, bound: Bound, overrides: Overrides):
        self.bound = bound
        self.overrides = overrides

    @property
    def con(self):
        return self.bound.con

    @property
    def scope(self) -> Scope:
        return self.bound.scope

    @property
    def now(self) -> datetime:
        return self.bound.now

    def _exec(self, sql: str):
        self.bound.need(sql)
        return self.con.execute(sql)

    # --- values -------------------------------------------------------------------------------
    def value_sql(self, entry: Indicator | Check) -> str:
        if isinstance(entry, Check):
            return (f"SELECT school_id, class_id, count(*) AS num, CAST(NULL AS BIGINT) AS den "
                    f"FROM ({entry.findings_sql}) f GROUP BY ALL")
        return entry.value_sql

    def raw_by_school(self, entry: Indicator | Check) -> dict[int, tuple[float, float | None]]:
        sql = f"SELECT school_id, sum(num), sum(den) FROM ({self.value_sql(entry)}) q GROUP BY school_id"
        return {row[0]: (row[1], row[2]) for row in self._exec(sql).fetchall()}

    def _result(self, entry, num, den, school_id: int | None) -> Result:
        value, n, d = headline(entry.kind, num, den)
        green, yellow = self.overrides.limits(entry, school_id)
        return Result(entry.id, entry.name, value, entry.unit, n, d, status(value, entry.good, green, yellow))

    def value(self, id_: str) -> Result:
        entry = registry.get(id_)
        parts = self.raw_by_school(entry)
        num = sum((p[0] or 0) for p in parts.values())
        den = None if entry.kind == COUNT else sum((p[1] or 0) for p in parts.values())
        single = self.scope.school_ids[0] if len(self.scope.school_ids) == 1 else None
        result = self._result(entry, num, den, single)
        return result

    def values(self, ids: tuple[str, ...] | None = None) -> list[Result]:
        return [self.value(i) for i in (ids or registry.INDICATOR_IDS)]

    def by_school(self, id_: str) -> list[Part]:
        entry = registry.get(id_)
        parts = self.raw_by_school(entry)
        names = self._school_names()
        out = []
        for school_id in self.scope.school_ids:
            num, den = parts.get(school_id, (0, 0))
            r = self._result(entry, num, den, school_id)
            out.append(Part(school_id, names.get(school_id, str(school_id)), school_id, r.value, r.numerator,
                            r.denominator, r.status))
        return out

    def summary(self, id_: str) -> tuple[Result, list[Part]]:
        """The value over the whole scope (default thresholds) and each school's part — one query."""
        entry = registry.get(id_)
        parts = self.raw_by_school(entry)
        num = sum((p[0] or 0) for p in parts.values())
        den = None if entry.kind == COUNT else sum((p[1] or 0) for p in parts.values())
        total = self._result(entry, num, den, None)
        names = self._school_names()
        out = []
        for school_id in self.scope.school_ids:
            n, d = parts.get(school_id, (0, 0))
            r = self._result(entry, n, d, school_id)
            out.append(Part(school_id, names.get(school_id, str(school_id)), school_id, r.value, r.numerator,
                            r.denominator, r.status))
        return total, out

    def _school_names(self) -> dict[int, str]:
        if not hasattr(self, "_names"):
            self._names = dict(self.con.execute(
                f"SELECT school_id, short_name FROM school_f WHERE school_id IN ({self.bound.schools})").fetchall())
        return self._names

    def by_class(self, id_: str) -> list[Part]:
        entry = registry.get(id_)
        sql = (f"SELECT q.class_id, coalesce(c.class_name, 'вся школа'), q.school_id, sum(q.num), sum(q.den) "
               f"FROM ({self.value_sql(entry)}) q LEFT JOIN s_class c ON c.class_id = q.class_id "
               f"GROUP BY ALL ORDER BY q.school_id, any_value(c.grade), 2")
        out = []
        for class_id, title, school_id, num, den in self._exec(sql).fetchall():
            r = self._result(entry, num, den, school_id)
            out.append(Part(class_id, title, school_id, r.value, r.numerator, r.denominator, r.status))
        return out

    def extra(self, id_: str) -> dict:
        entry = registry.get(id_)
        if not getattr(entry, "extra_sql", ""):
            return {}
        cur = self._exec(entry.extra_sql)
        row = cur.fetchone()
        names = [d[0] for d in cur.description]
        return dict(zip(names, row)) if row else {}

    # --- rows behind ------------------------------------------------------------------------------
    def drilldown(self, id_: str, limit: int = DRILL_LIMIT) -> tuple[list[str], list[tuple]]:
        entry = registry.get(id_)
        if isinstance(entry, Check):
            found = self.findings(id_, limit)
            columns = ["Школа", "Класс", "Предмет", "Учитель", "Дата урока", "Замечание", "С какого времени"]
            rows = [(f.school, f.class_name, f.subject, f.teacher,
                     f.lesson_date.strftime("%d.%m.%Y") if f.lesson_date else "", f.what,
                     f.since.strftime("%d.%m.%Y %H:%M") if f.since else "") for f in found]
            return columns, rows
        cur = self._exec(entry.drill_sql)
        columns = [d[0] for d in cur.description]
        return columns, cur.fetchmany(limit)

    def findings(self, id_: str, limit: int = DRILL_LIMIT) -> list[Finding]:
        entry = registry.get(id_)
        if not isinstance(entry, Check):
            raise KeyError(f"«{id_}» — показатель, а не проверка.")
        cols = ", ".join(f"f.{c}" for c in FINDING_COLUMNS)
        sql = f"""
            SELECT f.school_id, sch.short_name, f.class_id, coalesce(c.class_name, ''), f.subject_id,
                   coalesce(sj.name, ''), f.teacher_id,
                   coalesce(trim(t.last_name || ' ' || t.first_name || ' ' || t.middle_name), ''), t.user_id,
                   (SELECT min(g.user_id) FROM rolegrant g, params p
                    WHERE g.role = 'class_teacher' AND g.class_id = f.class_id
                      AND (g.revoked_at IS NULL OR g.revoked_at > p.now_at)),
                   f.lesson_id, f.lesson_date, f.what, f.since
            FROM (SELECT {cols} FROM ({entry.findings_sql}) f) f
            LEFT JOIN school_f sch ON sch.school_id = f.school_id
            LEFT JOIN s_class c ON c.class_id = f.class_id
            LEFT JOIN subject sj ON sj.id = f.subject_id
            LEFT JOIN staff t ON t.id = f.teacher_id
            ORDER BY f.since, c.grade, c.class_name, sj.name, f.lesson_date"""
        return [Finding(*row) for row in self._exec(sql).fetchmany(limit)]

    # --- trend ---------------------------------------------------------------------------------
    def weekly(self, id_: str, weeks: int = 10) -> list[tuple[date, float | None]]:
        """The value for each of the last `weeks` calendar weeks up to the end of the scope."""
        entry = registry.get(id_)
        end = self.bound.ref_date
        monday = end - timedelta(days=end.weekday())
        original = self.scope
        out = []
        try:
            for i in range(weeks - 1, -1, -1):
                start = monday - timedelta(days=7 * i)
                stop = min(start + timedelta(days=6), end)
                self._rebind(original.with_dates(start, stop))
                parts = self.raw_by_school(entry)
                num = sum((p[0] or 0) for p in parts.values())
                den = None if entry.kind == COUNT else sum((p[1] or 0) for p in parts.values())
                out.append((start, headline(entry.kind, num, den)[0]))
        finally:
            self._rebind(original)
        return out

    def _rebind(self, scope: Scope) -> None:
        b = self.bound
        self.bound = Bound(b.con, scope, b.now, ref_date_for(scope, b.now), b.params).bind(
            sorted(registry.all_params()))


@contextmanager
def run(scope: Scope, *, path=None, overrides: Overrides | None = None) -> Iterator[Run]:
    """Bind `scope` on a fresh cursor of the snapshot and yield a Run over it."""
    overrides = overrides or Overrides()
    current = snapshot.info(path)
    if current is None:
        raise snapshot.SnapshotError("Аналитический снимок ещё не создан: обновите данные показателей.")
    con = snapshot.connect(path)
    try:
        bound = Bound(con, scope, current.taken_at, ref_date_for(scope, current.taken_at),
                      overrides.param_values(scope.school_ids))
        bound.bind(sorted(registry.all_params()))
        yield Run(bound, overrides)
    finally:
        con.close()
