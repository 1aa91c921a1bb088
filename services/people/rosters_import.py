"""Importing rosters from Excel (R-CON-1, R-CON-2; regulation 4.8): pupils with guardians,
staff, and movement (arrivals, departures, transfers); and the export of the region's enrolment
system (issue 19: XLSX or CSV, importers/enrolment.py), whose enrolled applications are checked and
written as pupils with the applicant as their guardian, the other applications skipped with a reason.

The file is parsed by the kind's declarative spec (importers/), then checked against the
database row by row (classes of the year, pupils already known, СНИЛС of someone else…). All
or nothing by default; with `only_valid` the good rows are written and the rest reported.
A pupil already known (by СНИЛС, else by name and birth date) is updated, never duplicated:
importing the same file again changes nothing, not even the audit log. New people get an
account with a login and no password; credentials are issued later (services/people/credentials.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable

from sqlmodel import Session, select

from importers import excel
from importers import enrolment
from importers.enrolment import ENROLMENT
from importers.excel import ERROR, WARNING, ImportFileError, Parsed, ParsedRow, Problem
from importers.movement import MOVEMENT
from importers.parsers import name_key, split_class_name
from importers.pupils import GUARDIANS, PUPILS
from importers.staff import STAFF
from models import (
    AcademicYear, Enrollment, Guardian, Movement, RoleGrant, SchoolClass, Staff, Student, StudentGuardian,
    Subject,
)
from models.db import reading, transaction
from services.core import audit, clock, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.people import accounts, movement
from services.people.rosters import current_year, full_name

SPECS = {"pupils": PUPILS, "staff": STAFF, "movement": MOVEMENT, "enrolment": ENROLMENT}
KIND_TITLES = {"pupils": "Ученики", "staff": "Сотрудники", "movement": "Движение учащихся",
               "enrolment": "Зачисление (выгрузка региональной системы)"}
TABLE_ONLY = ("pupils", "staff", "movement")  # kinds read from a workbook only; «enrolment» takes CSV too
Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    guardians_created: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    not_enrolled: int = 0   # enrolment: applications skipped for their status
    committed: bool = False
    dry_run: bool = False
    rows: int = 0
    skipped_rows: int = 0
    missing_classes: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    done: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, name, class, status)

    def as_json(self) -> dict:
        """Exactly the shape the CLI prints with --json."""
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "guardians_created": self.guardians_created,
                "errors": [p.as_dict() for p in self.errors], "warnings": [p.as_dict() for p in self.warnings]}


class _Stop(Exception):
    """Roll the transaction back: errors stopped the import, or it was a dry run."""


def template(kind: str) -> bytes:
    return excel.template(SPECS[kind])


def _require_import(actor: Actor, school_id: int, kind: str) -> None:
    """Permission first: nobody's file is read before the policy has said yes (issue 13, item 3)."""
    with reading() as tx:
        policy.require(actor, "roster.import", school_target(tx, school_id, entity="roster", entity_id=kind))


def read_headers(actor: Actor, school_id: int, kind: str, source: bytes | str | Path, filename: str = "") -> list[str]:
    """The header row of an uploaded file (the mapping step), for those who may import."""
    _require_import(actor, school_id, kind)
    return excel.read_table(source, filename).headers


def match(kind: str, headers: list[str], mapping: dict[str, str] | None = None) -> excel.ColumnMatch:
    return excel.match_columns(SPECS[kind], headers, mapping)


def run_import(actor: Actor, school_id: int, kind: str, source: bytes | str | Path, filename: str = "", *,
               dry_run: bool = False, only_valid: bool = False, mapping: dict[str, str] | None = None,
               create_classes: bool = False, progress: Progress | None = None) -> ImportResult:
    """Check every row, then write all of them (or only the valid ones) in one transaction."""
    if kind not in SPECS:
        raise ValueError(f"Неизвестный вид загрузки «{kind}»: pupils, staff, movement или enrolment.")
    _require_import(actor, school_id, kind)
    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        if kind in TABLE_ONLY and str(filename).lower().endswith(".csv"):
            raise ImportFileError("CSV принимается только для выгрузки региональной системы зачисления; "
                                  "эту таблицу загрузите как .xlsx, .xls или .ods.")
        table = excel.read_table(source, filename)
    except ImportFileError as e:
        result.errors.append(Problem(0, "", "", str(e)))
        return result
    parsed = excel.parse(SPECS[kind], table, mapping,
                         progress=(lambda d, t: progress("Проверка строк", d, t)) if progress else None)
    result.rows = len(parsed.rows)
    result.missing_columns = [c.title for c in parsed.match.missing]
    result.unknown_headers = parsed.match.unknown
    if parsed.file_problems:
        result.errors = parsed.file_problems
        return result
    try:
        with transaction() as tx:
            policy.require(actor, "roster.import", school_target(tx, school_id, entity="roster", entity_id=kind))
            runner = {"pupils": _Pupils, "staff": _Staff, "movement": _Movement, "enrolment": _Enrolment}[kind](
                tx, actor, school_id, create_classes, result)
            runner.check(parsed)
            result.errors = parsed.errors
            result.warnings = parsed.warnings
            if result.errors and not only_valid:
                raise _Stop
            result.skipped_rows = len({p.row for p in result.errors})
            runner.apply(parsed, progress)
            if dry_run:
                raise _Stop
            if result.created or result.updated or result.guardians_created:
                audit.record(tx, actor, "roster.imported", school_id=school_id, entity="roster", entity_id=kind,
                             new={"file": Path(filename).name if filename else "", "kind": kind,
                                  "created": result.created, "updated": result.updated,
                                  "unchanged": result.unchanged, "guardians_created": result.guardians_created,
                                  "skipped_rows": result.skipped_rows})
    except _Stop:
        return result
    result.committed = True
    return result


# ------------------------------------------------------------------ shared helpers
class _Runner:
    def __init__(self, tx: Session, actor: Actor, school_id: int, create_classes: bool, result: ImportResult):
        self.tx, self.actor, self.school_id = tx, actor, school_id
        self.create_classes, self.result = create_classes, result
        self.now = clock.now()
        self.years = list(tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id)
                                  .order_by(AcademicYear.start_year)).all())
        self.classes = {(c.year_id, c.name): c for c in tx.exec(
            select(SchoolClass).where(SchoolClass.school_id == school_id)).all()}

    def year_for(self, row: ParsedRow, day: date | None, key: str) -> AcademicYear | None:
        if day is None:
            year = current_year(self.tx, self.school_id)
            if year is not None and year.is_closed:
                later = [y for y in self.years if y.start_year > year.start_year and not y.is_closed]
                year = later[0] if later else year
            if year is None:
                row.add(key, "в школе нет учебного года: создайте его", ERROR, value="")
            elif year.is_closed:
                row.add(key, f"{year.start_year}/{year.start_year + 1} учебный год закрыт", ERROR, value="")
                return None
            return year
        start = clock.school_year_of(day)
        year = next((y for y in self.years if y.start_year == start), None)
        if year is None:
            row.add(key, f"в школе нет {start}/{start + 1} учебного года")
        elif year.is_closed:
            row.add(key, f"{start}/{start + 1} учебный год закрыт: изменения в нём невозможны")
            return None
        return year

    def class_for(self, row: ParsedRow, year: AcademicYear, name: str, key: str) -> SchoolClass | None:
        cls = self.classes.get((year.id, name))
        if cls is None and self.create_classes:
            grade, letter = split_class_name(name)
            cls = SchoolClass(school_id=self.school_id, year_id=year.id, grade=grade, letter=letter, name=name)
            self.tx.add(cls)
            self.tx.flush()
            self.classes[(year.id, name)] = cls
            audit.record(self.tx, self.actor, "class.created", school_id=self.school_id, entity="class",
                         entity_id=cls.id, new={"name": name, "year": year.start_year})
        if cls is None:
            row.add(key, f"класса «{name}» нет в {year.start_year}/{year.start_year + 1} учебном году "
                         f"(его можно создать)")
            if name not in self.result.missing_classes:
                self.result.missing_classes.append(name)
        return cls


def _diff(obj: Any, new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields the file gives (non-empty) that differ from the row in the database."""
    return {k: (getattr(obj, k), v) for k, v in new.items() if v not in (None, "") and getattr(obj, k) != v}


# ------------------------------------------------------------------ pupils
@dataclass
class _GuardianPlan:
    n: int
    name: tuple[str, str, str]
    relation: str
    phone: str | None
    email: str | None
    existing: Guardian | None = None     # a guardian already in the database
    link: StudentGuardian | None = None  # … already linked to this pupil
    shared: "_GuardianPlan | None" = None  # the same new guardian as an earlier row's
    changes: dict = field(default_factory=dict)
    created: Guardian | None = None


@dataclass
class _PupilPlan:
    row: ParsedRow
    student: Student | None
    cls: SchoolClass
    on: date
    changes: dict
    enrol: bool
    guardians: list[_GuardianPlan]
    created: bool = False

    @property
    def status(self) -> str:
        if self.student is None:
            return "created"
        if self.changes or self.enrol or any(g.changes or g.existing is None or g.link is None for g in self.guardians):
            return "updated"
        return "unchanged"


class _Pupils(_Runner):
    FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "sex", "snils")

    def check(self, parsed: Parsed) -> None:
        tx = self.tx
        students = tx.exec(select(Student).where(Student.school_id == self.school_id)).all()
        self.by_snils = {s.snils: s for s in students if s.snils}
        self.by_name = {name_key(s.last_name, s.first_name, s.middle_name) + (s.birth_date,): s for s in students}
        enrolments = tx.exec(select(Enrollment, SchoolClass.year_id).join(
            SchoolClass, SchoolClass.id == Enrollment.class_id).where(Enrollment.school_id == self.school_id)).all()
        self.enrolled: dict[tuple[int, int], list[Enrollment]] = {}
        for e, year_id in enrolments:
            self.enrolled.setdefault((e.student_id, year_id), []).append(e)
        links = tx.exec(select(StudentGuardian, Guardian).join(Guardian, Guardian.id == StudentGuardian.guardian_id)
                        .where(StudentGuardian.school_id == self.school_id)).all()
        self.links: dict[int, list[tuple[StudentGuardian, Guardian]]] = {}
        for link, g in links:
            self.links.setdefault(link.student_id, []).append((link, g))
        guardians = tx.exec(select(Guardian).where(Guardian.school_id == self.school_id)).all()
        self.guardian_by_contact: dict[tuple, Guardian] = {}
        for g in guardians:
            key = name_key(g.last_name, g.first_name, g.middle_name)
            for contact in (g.phone, g.email):
                if contact:
                    self.guardian_by_contact.setdefault(key + (contact,), g)
        self.new_guardians: dict[tuple, _GuardianPlan] = {}
        self.plans: list[_PupilPlan] = []
        for row in parsed.rows:
            if row.ok:
                plan = self._plan(row)
                if plan is not None and row.ok:
                    self.plans.append(plan)

    def _find(self, row: ParsedRow) -> Student | None:
        v = row.values
        by_name = self.by_name.get(name_key(v["last_name"], v["first_name"], v.get("middle_name") or "")
                                   + (v["birth_date"],))
        if v.get("snils"):
            by_snils = self.by_snils.get(v["snils"])
            if by_snils is not None:
                if by_name is not None and by_name.id != by_snils.id:
                    row.add("snils", f"этот СНИЛС записан у другого ученика: {full_name(by_snils)}")
                return by_snils
            if by_name is not None and by_name.snils and by_name.snils != v["snils"]:
                row.add("snils", f"у ученика уже записан другой СНИЛС: {by_name.snils}")
        return by_name

    def _plan(self, row: ParsedRow) -> _PupilPlan | None:
        v = row.values
        year = self.year_for(row, v.get("enrolled_on"), "enrolled_on")
        if year is None:
            return None
        cls = self.class_for(row, year, v["class"], "class")
        student = self._find(row)
        if cls is None or not row.ok:
            return None
        on = v.get("enrolled_on") or year.starts_on
        changes, enrol = {}, True
        if student is not None:
            changes = _diff(student, {k: v.get(k) for k in self.FIELDS})
            current = self.enrolled.get((student.id, year.id), [])
            if current:
                enrol = False
                latest = max(current, key=lambda e: e.starts_on)
                if latest.class_id != cls.id:
                    other = next((c for c in self.classes.values() if c.id == latest.class_id), None)
                    row.add("class", f"ученик уже числится в {other.name if other else 'другом классе'}; "
                                     f"класс не изменён — перевод загружается файлом движения", WARNING)
        guardians = [self._guardian(row, n, student) for n in GUARDIANS if v.get(f"g{n}_name")]
        return _PupilPlan(row, student, cls, on, changes, enrol, guardians)

    def _guardian(self, row: ParsedRow, n: int, student: Student | None) -> _GuardianPlan:
        v = row.values
        plan = _GuardianPlan(n, v[f"g{n}_name"], v.get(f"g{n}_relation") or "", v.get(f"g{n}_phone"),
                             v.get(f"g{n}_email"))
        key = name_key(*plan.name)
        if student is not None:
            for link, g in self.links.get(student.id, []):
                if name_key(g.last_name, g.first_name, g.middle_name) == key:
                    plan.existing, plan.link = g, link
                    plan.changes = _diff(g, {"phone": plan.phone, "email": plan.email})
                    if plan.relation and link.relation != plan.relation:
                        plan.changes["relation"] = (link.relation, plan.relation)
                    return plan
        for contact in (plan.phone, plan.email):
            if contact and key + (contact,) in self.guardian_by_contact:
                plan.existing = self.guardian_by_contact[key + (contact,)]
                plan.changes = _diff(plan.existing, {"phone": plan.phone, "email": plan.email})
                return plan
            if contact and key + (contact,) in self.new_guardians:
                plan.shared = self.new_guardians[key + (contact,)]
                return plan
        for contact in (plan.phone, plan.email):
            if contact:
                self.new_guardians[key + (contact,)] = plan
        return plan

    def apply(self, parsed: Parsed, progress: Progress | None) -> None:
        plans = [p for p in self.plans if p.row.ok]
        for p in plans:
            setattr(self.result, p.status, getattr(self.result, p.status) + 1)
            v = p.row.values
            name = " ".join(x for x in (v["last_name"], v["first_name"], v.get("middle_name")) if x)
            self.result.done.append((p.row.number, name, p.cls.name, p.status))
        self.result.guardians_created = sum(1 for p in plans for g in p.guardians
                                            if g.existing is None and g.shared is None)
        if self.result.dry_run:
            return
        tx, now = self.tx, self.now
        logins = accounts.Logins(tx)
        new_pupils = [p for p in plans if p.student is None]
        new_guardians = [g for p in plans for g in p.guardians if g.existing is None and g.shared is None]
        logins.prepare([accounts.login_base(p.row.values["last_name"], p.row.values["first_name"],
                                               p.row.values.get("middle_name") or "") for p in new_pupils]
                       + [accounts.login_base(*g.name) for g in new_guardians])
        total, done = len(plans), 0
        step = max(1, total // 20)
        # accounts of new people (no password until credentials are issued)
        pupil_users = {}
        for p in new_pupils:
            v = p.row.values
            pupil_users[id(p)] = accounts.new_user(tx, logins, v["last_name"], v["first_name"],
                                                      v.get("middle_name") or "", flush=False)
        guardian_users = {}
        for g in new_guardians:
            guardian_users[id(g)] = accounts.new_user(tx, logins, *g.name, email=g.email, phone=g.phone, flush=False)
        tx.flush()
        for u in pupil_users.values():
            tx.add(RoleGrant(user_id=u.id, role="student", school_id=self.school_id, granted_at=now))
        for u in guardian_users.values():
            tx.add(RoleGrant(user_id=u.id, role="parent", school_id=self.school_id, granted_at=now))
        for p in new_pupils:
            v = p.row.values
            p.student = Student(school_id=self.school_id, user_id=pupil_users[id(p)].id, created_at=now,
                                arrived_on=p.on, **{k: v.get(k) or ("" if k in ("middle_name", "sex") else None)
                                                    for k in self.FIELDS})
            p.created = True
            tx.add(p.student)
        for g in new_guardians:
            last, first, middle = g.name
            g.created = Guardian(school_id=self.school_id, user_id=guardian_users[id(g)].id, last_name=last,
                                 first_name=first, middle_name=middle, phone=g.phone, email=g.email)
            tx.add(g.created)
        tx.flush()
        for p in plans:
            self._write(p)
            done += 1
            if progress and (done % step == 0 or done == total):
                progress("Запись", done, total)

    def _write(self, p: _PupilPlan) -> None:
        tx, st, v = self.tx, p.student, p.row.values
        created = p.created
        old, new = {}, {}
        for k, (before, after) in p.changes.items():
            setattr(st, k, after)
            old[k], new[k] = before, after
        if p.changes:
            tx.add(st)
        if p.enrol:
            order = v.get("order_number") or ""
            if created:
                tx.add(Enrollment(school_id=self.school_id, student_id=st.id, class_id=p.cls.id, starts_on=p.on,
                                  order_number=order, reason="enrolled"))
                tx.add(Movement(school_id=self.school_id, student_id=st.id, kind="arrival", on_date=p.on,
                                to_class_id=p.cls.id, order_number=order, recorded_at=self.now,
                                recorded_by_user_id=self.actor.user_id or None))
            else:
                movement.arrive_in(tx, self.actor, st, p.cls, p.on, order_number=order)
            new["class"] = p.cls.name
        guardians_new = []
        for g in p.guardians:
            guardian = g.created or (g.shared.created if g.shared else None) or g.existing
            if g.link is None:
                tx.add(StudentGuardian(school_id=self.school_id, student_id=st.id, guardian_id=guardian.id,
                                       relation=g.relation))
            for k, (before, after) in g.changes.items():
                if k == "relation":
                    g.link.relation = after
                    tx.add(g.link)
                else:
                    setattr(guardian, k, after)
                    tx.add(guardian)
            if g.link is None or g.changes:
                guardians_new.append({"name": " ".join(x for x in g.name if x), "relation": g.relation,
                                      "phone": g.phone, "email": g.email})
        if guardians_new:
            new["guardians"] = guardians_new
        if created:
            new.update({k: v.get(k) for k in self.FIELDS if v.get(k)})
            audit.record(tx, self.actor, "student.imported", school_id=self.school_id, entity="student",
                         entity_id=st.id, new=new)
        elif new:
            audit.record(tx, self.actor, "student.updated", school_id=self.school_id, entity="student",
                         entity_id=st.id, old=old, new=new, detail="загрузка контингента")


# ------------------------------------------------------------------ the regional enrolment export
class _Enrolment(_Pupils):
    """The enrolled applications as pupils' rows (the child's name split, the parallel resolved to
    its class); every other application is skipped with its status as the reason."""

    def check(self, parsed: Parsed) -> None:
        kept = []
        for row in parsed.rows:
            if row.filled("status") and row.values.get("status") not in (None, enrolment.ENROLLED):
                row.problems = []  # nothing of a skipped application is loaded, so nothing in it is wrong
                row.add("status", "заявление не в статусе «зачислен»: строка пропущена", WARNING)
                self.result.not_enrolled += 1
            else:
                kept.append(row)
        excel.mark_duplicates(replace(ENROLMENT, keys=enrolment.KEYS), kept)
        for row in kept:
            v = row.values
            if v.get("child_name"):
                v["last_name"], v["first_name"], v["middle_name"] = v["child_name"]
            if row.ok and v.get("class") and v["class"].isdigit():
                self._class_of_grade(row)
        super().check(Parsed(parsed.spec, parsed.match, kept, []))

    def _class_of_grade(self, row: ParsedRow) -> None:
        """«1» (a parallel): the one class of that parallel in the year of the enrolment."""
        v = row.values
        start = clock.school_year_of(v.get("enrolled_on") or clock.today())
        year = next((y for y in self.years if y.start_year == start), None)
        if year is None:
            return  # _plan reports the missing year
        grade = int(v["class"])
        names = sorted(c.name for (year_id, _), c in self.classes.items() if year_id == year.id and c.grade == grade)
        if len(names) == 1:
            v["class"] = names[0]
        elif not names:
            row.add("class", f"в {start}/{start + 1} учебном году нет ни одного {grade}-го класса: "
                             "создайте класс или укажите его с буквой")
        else:
            row.add("class", f"в параллели {grade} несколько классов ({', '.join(names)}): укажите класс с буквой")


# ------------------------------------------------------------------ staff
_ROLE_BY_POSITION = (
    (re.compile(r"зам\w*\.?\s+директора|завуч"), "deputy"),
    (re.compile(r"^директор"), "director"),
    (re.compile(r"секретар|делопроизвод"), "secretary"),
    (re.compile(r"учител|педагог|преподават|воспитател|логопед|дефектолог|психолог|тьютор|библиотекар|"
                r"советник|вожат|методист"), "teacher"),
)


def role_for_position(position: str) -> str | None:
    text = position.lower().replace("ё", "е")
    for pattern, role in _ROLE_BY_POSITION:
        if pattern.search(text):
            return role
    return None


class _Staff(_Runner):
    def check(self, parsed: Parsed) -> None:
        staff = self.tx.exec(select(Staff).where(Staff.school_id == self.school_id)).all()
        self.by_email = {s.email: s for s in staff if s.email}
        self.by_name = {name_key(s.last_name, s.first_name, s.middle_name): s for s in staff}
        subjects = {name_key(n)[0] for n in self.tx.exec(select(Subject.name).where(
            Subject.school_id == self.school_id)).all()}
        self.grants = {(g.user_id, g.role) for g in self.tx.exec(select(RoleGrant).where(
            RoleGrant.school_id == self.school_id, RoleGrant.revoked_at.is_(None))).all()}
        self.plans = []
        for row in parsed.rows:
            if not row.ok:
                continue
            v = row.values
            position = v.get("position") or "Учитель"
            role = role_for_position(position)
            if role is None:
                row.add("position", "роль в портале не назначена по этой должности: назначьте её в «Пользователях»",
                        WARNING)
            unknown = [s for s in v.get("subjects") or () if name_key(s)[0] not in subjects]
            if unknown and subjects:
                row.add("subjects", f"таких предметов нет в школе: {', '.join(unknown)}", WARNING)
            found = self.by_email.get(v.get("email")) if v.get("email") else None
            by_name = self.by_name.get(name_key(*v["full_name"]))
            if found is not None and by_name is not None and found.id != by_name.id:
                row.add("email", f"этот адрес уже записан у другого сотрудника: {full_name(found)}")
                continue
            self.plans.append((row, found or by_name, position, role))

    def apply(self, parsed: Parsed, progress: Progress | None) -> None:
        tx, now = self.tx, self.now
        logins = accounts.Logins(tx)
        for n, (row, staff, position, role) in enumerate(self.plans, start=1):
            v = row.values
            last, first, middle = v["full_name"]
            fields = {"last_name": last, "first_name": first, "middle_name": middle, "position": position,
                      "subjects": ", ".join(v.get("subjects") or ()), "phone": v.get("phone"), "email": v.get("email")}
            if staff is None:
                self.result.created += 1
                if self.result.dry_run:
                    continue
                user = accounts.new_user(tx, logins, last, first, middle, email=v.get("email"), phone=v.get("phone"))
                if role:
                    tx.add(RoleGrant(user_id=user.id, role=role, school_id=self.school_id, granted_at=now))
                staff = Staff(school_id=self.school_id, user_id=user.id, hired_on=clock.today(), **fields)
                tx.add(staff)
                tx.flush()
                audit.record(tx, self.actor, "staff.imported", school_id=self.school_id, entity="staff",
                             entity_id=staff.id, new={**fields, "login": user.login, "role": role})
            else:
                changes = _diff(staff, fields)
                missing_grant = role is not None and staff.user_id is not None and (staff.user_id, role) not in self.grants
                if not changes and not missing_grant:
                    self.result.unchanged += 1
                    continue
                self.result.updated += 1
                if self.result.dry_run:
                    continue
                for k, (_, after) in changes.items():
                    setattr(staff, k, after)
                tx.add(staff)
                if missing_grant:
                    tx.add(RoleGrant(user_id=staff.user_id, role=role, school_id=self.school_id, granted_at=now))
                    self.grants.add((staff.user_id, role))
                audit.record(tx, self.actor, "staff.updated", school_id=self.school_id, entity="staff",
                             entity_id=staff.id, old={k: a for k, (a, _) in changes.items()},
                             new={**{k: b for k, (_, b) in changes.items()}, **({"role": role} if missing_grant else {})})
            if progress:
                progress("Запись", n, len(self.plans))


# ------------------------------------------------------------------ movement
class _Movement(_Runner):
    """Rows are applied in date order, each in a savepoint: a row that cannot be applied is
    reported and undone, and later rows see the effect of earlier ones (an arrival, then a
    transfer of the same pupil). The caller rolls everything back unless it is to commit."""

    def check(self, parsed: Parsed) -> None:
        tx = self.tx
        students = tx.exec(select(Student).where(Student.school_id == self.school_id)).all()
        self.by_snils = {s.snils: s for s in students if s.snils}
        self.by_name = {name_key(s.last_name, s.first_name, s.middle_name) + (s.birth_date,): s for s in students}
        self.touched: dict[int, str] = {}
        logins = accounts.Logins(tx)
        rows = sorted((r for r in parsed.rows if r.ok), key=lambda r: (r.values["on_date"], r.number))
        for n, row in enumerate(rows, start=1):
            savepoint = tx.begin_nested()
            try:
                self._apply_row(row, logins)
            except movement.MovementError as e:
                row.add(e.field, str(e)[0].lower() + str(e)[1:].rstrip("."))
            if row.ok:
                savepoint.commit()
            else:
                savepoint.rollback()
                tx.expire_all()

    def _apply_row(self, row: ParsedRow, logins: accounts.Logins) -> None:
        v = row.values
        kind, on = v["kind"], v["on_date"]
        student = self.by_snils.get(v["snils"]) if v.get("snils") else None
        if student is None and v.get("birth_date"):
            student = self.by_name.get(name_key(v["last_name"], v["first_name"], v.get("middle_name") or "")
                                       + (v["birth_date"],))
        year = self.year_for(row, on, "on_date")
        if year is None:
            return
        to_cls = self.class_for(row, year, v["to_class"], "to_class") if v.get("to_class") else None
        from_cls = self.class_for(row, year, v["from_class"], "from_class") if v.get("from_class") else None
        if not row.ok:
            return
        order, note = v.get("order_number") or "", v.get("note") or ""
        if kind == "arrival":
            created = student is None
            if created:
                if not v.get("birth_date"):
                    row.add("birth_date", "для нового ученика нужна дата рождения")
                    return
                user = accounts.new_user(self.tx, logins, v["last_name"], v["first_name"], v.get("middle_name") or "")
                self.tx.add(RoleGrant(user_id=user.id, role="student", school_id=self.school_id, granted_at=self.now))
                student = Student(school_id=self.school_id, user_id=user.id, last_name=v["last_name"],
                                  first_name=v["first_name"], middle_name=v.get("middle_name") or "",
                                  birth_date=v["birth_date"], sex=v.get("sex") or "", snils=v.get("snils"),
                                  created_at=self.now)
                self.tx.add(student)
                self.tx.flush()
                audit.record(self.tx, self.actor, "student.imported", school_id=self.school_id, entity="student",
                             entity_id=student.id, new={"name": full_name(student), "birth_date": student.birth_date,
                                                        "snils": student.snils, "login": user.login})
            changed = movement.arrive_in(self.tx, self.actor, student, to_cls, on, order_number=order, note=note)
            if created:
                self.by_name[name_key(student.last_name, student.first_name, student.middle_name)
                             + (student.birth_date,)] = student
                if student.snils:
                    self.by_snils[student.snils] = student
            self._count(student.id, "created" if created else ("updated" if changed else "unchanged"))
            return
        if student is None:
            row.add("last_name", "ученик не найден в школе (проверьте ФИО, дату рождения или СНИЛС)")
            return
        if kind == "transfer":
            changed = movement.transfer_in(self.tx, self.actor, student, to_cls, on, order_number=order, note=note,
                                           from_cls=from_cls)
        else:
            changed = movement.depart_in(self.tx, self.actor, student, on, order_number=order, note=note)
        self._count(student.id, "updated" if changed else "unchanged")

    def _count(self, student_id: int, status: str) -> None:
        rank = {"unchanged": 0, "updated": 1, "created": 2}
        before = self.touched.get(student_id)
        if before is None or rank[status] > rank[before]:
            self.touched[student_id] = status

    def apply(self, parsed: Parsed, progress: Progress | None) -> None:
        for status in self.touched.values():
            setattr(self.result, status, getattr(self.result, status) + 1)
        if progress:
            progress("Запись", len(parsed.rows), len(parsed.rows))
