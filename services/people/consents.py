"""Consents to the processing of a pupil's personal data (R-SAFE-1; regulation 2.2, 5.17).

A guardian's consent is recorded with its date, the guardian and the document (e.g.
«заявление № 12 от 01.09.2026»); its withdrawal with the date it takes effect. Both are
audited. Administrators and the secretary manage the school's consents, a class teacher those
of their class («consent.manage»); the pupils with no consent in force are listed for them.

For exporters (one query each, inside the caller's session):
    consent_in_force(given_on, withdrawn_on, on)     the rule itself (pure)
    has_consent(tx, student_id, on=None)             is a consent in force for the pupil?
    consented_student_ids(tx, school_id, on=None)    the pupils of the school with one in force
    withdrawn_pupils(tx, school_id, student_ids, on) the pupils to leave out of an export to
                                                     third parties: a consent was withdrawn and
                                                     none is in force (services/reports/common.py uses it)
A pupil with no consent recorded at all is listed for the administrator as missing; an exporter
that must send only consented pupils uses consented_student_ids.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_
from sqlmodel import Session, select

from models import Consent, Enrollment, Guardian, SchoolClass, SchoolSettings, Student, StudentGuardian
from models.db import reading, transaction
from services.comms import notices
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target
from services.people import rosters

DOCUMENT_MAX = 300


class ConsentError(ValueError):
    """str(e) is a Russian message saying what is wrong."""


def consent_in_force(given_on: date, withdrawn_on: date | None, on: date) -> bool:
    """Given on or before `on` and not withdrawn by then (a withdrawal takes effect on its date)."""
    return given_on <= on and (withdrawn_on is None or withdrawn_on > on)


def _today(tx: Session, school_id: int) -> date:
    s = tx.get(SchoolSettings, school_id)
    return clock.today(s.timezone if s else None)


def has_consent(tx: Session, student_id: int, on: date | None = None) -> bool:
    student = tx.get(Student, student_id)
    if student is None:
        return False
    on = on or _today(tx, student.school_id)
    rows = tx.exec(select(Consent.given_on, Consent.withdrawn_on).where(
        Consent.school_id == student.school_id, Consent.student_id == student_id)).all()
    return any(consent_in_force(g, w, on) for g, w in rows)


def consented_student_ids(tx: Session, school_id: int, on: date | None = None) -> set[int]:
    on = on or _today(tx, school_id)
    rows = tx.exec(select(Consent.student_id, Consent.given_on, Consent.withdrawn_on).where(
        Consent.school_id == school_id, Consent.given_on <= on)).all()
    return {sid for sid, g, w in rows if consent_in_force(g, w, on)}


def withdrawn_pupils(tx: Session, school_id: int, student_ids: Iterable[int], on: date | None = None) -> set[int]:
    ids = sorted(set(student_ids))
    if not ids:
        return set()
    on = on or _today(tx, school_id)
    withdrawn, active = set(), set()
    for sid, g, w in tx.exec(select(Consent.student_id, Consent.given_on, Consent.withdrawn_on).where(
            Consent.school_id == school_id, Consent.student_id.in_(ids))).all():
        if consent_in_force(g, w, on):
            active.add(sid)
        elif w is not None and w <= on:
            withdrawn.add(sid)
    return withdrawn - active


# ------------------------------------------------------------------ the overview
@dataclass(frozen=True)
class ConsentRow:
    student_id: int
    pupil: str
    class_id: int
    class_name: str
    status: str            # in_force | withdrawn | missing
    status_title: str
    consent_id: int | None  # the consent shown (in force, else the latest)
    given_on: date | None
    withdrawn_on: date | None
    guardian: str
    document: str
    guardians: tuple[tuple[int, str], ...]  # (guardian id, name) of the pupil, to record a consent


STATUS_TITLES = {"in_force": "есть", "withdrawn": "отозвано", "missing": "нет"}


def _name(p) -> str:
    return " ".join(x for x in (p.last_name, p.first_name, p.middle_name) if x)


def overview(actor: Actor, school_id: int, class_id: int | None = None, only_missing: bool = False,
             on: date | None = None) -> list[ConsentRow]:
    """Every pupil of the school (or of one class) on a date with their consent status; with
    only_missing, those without a consent in force (never given, or withdrawn)."""
    with reading() as tx:
        target = targets.for_class(tx, class_id) if class_id is not None else school_target(
            tx, school_id, entity="consent")
        if target.school_id != school_id:
            raise ConsentError("Класс не найден в этой школе.")
        policy.require(actor, "consent.manage", target)
        on = on or _today(tx, school_id)
        year = rosters.current_year(tx, school_id, on)
        stmt = (select(Student, Enrollment.class_id, SchoolClass.name)
                .join(Enrollment, and_(Enrollment.student_id == Student.id, Enrollment.school_id == school_id,
                                       Enrollment.starts_on <= on,
                                       (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= on)))
                .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                .where(Student.school_id == school_id, SchoolClass.year_id == (year.id if year else -1)))
        if class_id is not None:
            stmt = stmt.where(Enrollment.class_id == class_id)
        pupils = tx.exec(stmt.order_by(SchoolClass.grade, SchoolClass.letter, Student.last_name,
                                       Student.first_name)).all()
        ids = [p.id for p, _, _ in pupils]
        consents: dict[int, list[Consent]] = defaultdict(list)
        guardians: dict[int, list[tuple[int, str]]] = defaultdict(list)
        names: dict[int, str] = {}
        if ids:
            for c in tx.exec(select(Consent).where(Consent.school_id == school_id, Consent.student_id.in_(ids))
                             .order_by(Consent.given_on, Consent.id)).all():
                consents[c.student_id].append(c)
            for sid, g in tx.exec(select(StudentGuardian.student_id, Guardian)
                                  .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
                                  .where(StudentGuardian.school_id == school_id,
                                         StudentGuardian.student_id.in_(ids))
                                  .order_by(Guardian.last_name, Guardian.first_name)).all():
                guardians[sid].append((g.id, _name(g)))
                names[g.id] = _name(g)
            missing_names = {c.guardian_id for cs in consents.values() for c in cs} - set(names) - {None}
            if missing_names:
                for g in tx.exec(select(Guardian).where(Guardian.id.in_(sorted(missing_names)))).all():
                    names[g.id] = _name(g)
    out = []
    for p, cid, cname in pupils:
        mine = consents.get(p.id, [])
        current = next((c for c in reversed(mine) if consent_in_force(c.given_on, c.withdrawn_on, on)), None)
        shown = current or (mine[-1] if mine else None)
        status = "in_force" if current else ("withdrawn" if shown and shown.withdrawn_on and shown.withdrawn_on <= on
                                              else "missing")
        if only_missing and status == "in_force":
            continue
        out.append(ConsentRow(
            student_id=p.id, pupil=_name(p), class_id=cid, class_name=cname, status=status,
            status_title=STATUS_TITLES[status], consent_id=shown.id if shown else None,
            given_on=shown.given_on if shown else None, withdrawn_on=shown.withdrawn_on if shown else None,
            guardian=names.get(shown.guardian_id, "") if shown and shown.guardian_id else "",
            document=shown.document if shown else "", guardians=tuple(guardians.get(p.id, []))))
    return out


# ------------------------------------------------------------------ recording
def record(actor: Actor, student_id: int, guardian_id: int, given_on: date, document: str) -> int:
    """Record a guardian's consent for a pupil; returns its id."""
    document = " ".join((document or "").split())
    if not document:
        raise ConsentError("Укажите документ: например, «заявление № 12 от 01.09.2026».")
    if len(document) > DOCUMENT_MAX:
        raise ConsentError(f"Описание документа слишком длинное: можно не больше {DOCUMENT_MAX} знаков.")
    with transaction() as tx:
        target = targets.for_student(tx, student_id)
        if target.school_id is None:
            raise ConsentError("Ученик не найден.")
        policy.require(actor, "consent.manage", target)
        if given_on > _today(tx, target.school_id):
            raise ConsentError(f"Дата согласия {given_on:%d.%m.%Y} ещё не наступила.")
        link = tx.exec(select(StudentGuardian).where(StudentGuardian.student_id == student_id,
                                                     StudentGuardian.guardian_id == guardian_id)).first()
        if link is None:
            raise ConsentError("Согласие даёт законный представитель ученика: выберите родителя из списка ученика.")
        rows = tx.exec(select(Consent).where(Consent.school_id == target.school_id,
                                             Consent.student_id == student_id)).all()
        if any(consent_in_force(c.given_on, c.withdrawn_on, given_on) or
               (c.given_on > given_on and c.withdrawn_on is None) for c in rows):
            raise ConsentError("У ученика уже есть действующее согласие на эту дату; чтобы записать новое, "
                               "сначала отметьте отзыв прежнего.")
        row = Consent(school_id=target.school_id, student_id=student_id, guardian_id=guardian_id, given_on=given_on,
                      document=document, recorded_by_user_id=actor.user_id or None)
        tx.add(row)
        tx.flush()
        audit.record(tx, actor, "consent.recorded", school_id=target.school_id, entity="student",
                     entity_id=student_id, new={"consent_id": row.id, "guardian_id": guardian_id,
                                                "given_on": given_on, "document": document})
        return row.id


def withdraw(actor: Actor, consent_id: int, withdrawn_on: date, note: str = "") -> None:
    """Record the withdrawal of a consent from `withdrawn_on` on: from that day the pupil is left
    out of exports to third parties. The school's administrators are told."""
    with transaction() as tx:
        row = tx.get(Consent, consent_id)
        if row is None:
            raise ConsentError("Согласие не найдено.")
        target = targets.for_student(tx, row.student_id)
        policy.require(actor, "consent.manage", target)
        if row.withdrawn_on is not None:
            raise ConsentError(f"Согласие уже отозвано {row.withdrawn_on:%d.%m.%Y}.")
        if withdrawn_on < row.given_on:
            raise ConsentError(f"Отзыв ({withdrawn_on:%d.%m.%Y}) не может быть раньше согласия "
                               f"({row.given_on:%d.%m.%Y}).")
        if withdrawn_on > _today(tx, row.school_id):
            raise ConsentError(f"Дата отзыва {withdrawn_on:%d.%m.%Y} ещё не наступила.")
        row.withdrawn_on = withdrawn_on
        tx.add(row)
        student = tx.get(Student, row.student_id)
        notices.notify(tx, notices.school_staff(tx, row.school_id, ("admin",)) - {actor.user_id},
                       "consent_withdrawn",
                       f"Отозвано согласие на обработку персональных данных: {_name(student)}, с "
                       f"{withdrawn_on:%d.%m.%Y}. Ученик исключается из выгрузок для третьих лиц.",
                       link=f"student:{row.student_id}", school_id=row.school_id)
        audit.record(tx, actor, "consent.withdrawn", school_id=row.school_id, entity="student",
                     entity_id=row.student_id, old={"consent_id": row.id, "withdrawn_on": None},
                     new={"consent_id": row.id, "withdrawn_on": withdrawn_on}, detail=note.strip()[:500])


def classes_for(actor: Actor, school_id: int) -> dict[int, str]:
    """The classes of the current year whose consents the actor manages (id → name)."""
    with reading() as tx:
        year = rosters.current_year(tx, school_id)
        base = school_target(tx, school_id)
        classes = tx.exec(select(SchoolClass).where(
            SchoolClass.school_id == school_id, SchoolClass.year_id == (year.id if year else -1))
            .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    return {c.id: c.name for c in classes if policy.allowed(actor, "consent.manage", policy.Target(
        school_id=school_id, municipality_id=base.municipality_id, class_id=c.id, grade=c.grade))}
