"""The paper journal on demand (issue 16, item 6): one class (or subgroup) and subject, or a
whole class, as a PDF laid out as the paper journal is — for every study period a marks page
(pupils × lesson dates: marks, Н/Б/У/О) and a topics page (date, topic, homework) — for one
period or the whole year.

The drawing is the year archive's (exporters/pdf_journal.draw_journal) and the data its
(services/reports/journal.load); who may print what is `journal.print` in the policy: the
teacher their own classes and subjects, the class teacher their class, the deputy their
parallels, the director the school; a whole class (`journal.print_class`) all but the
subject teacher. Every file made is an export of personal data (audited).
"""
from __future__ import annotations

from sqlmodel import select

from models import AcademicYear, Lesson, SchoolClass, Subject
from models.db import reading
from services.core import policy, targets
from services.core.actor import Actor
from services.reports.common import ReportError, periods_of, record_export, school_head, year_title
from services.reports.export import MIME, ReportFile, safe_name
from services.reports.journal import JournalDoc, JournalKey, load, staff_names

ACTION = "journal.print"             # one class (or subgroup) and subject
CLASS_ACTION = "journal.print_class"  # every subject of a class


class PaperJournalError(ReportError):
    """str(e) is a Russian message for the user."""


def _context(tx, class_id: int, period_id: int | None):
    cls = tx.get(SchoolClass, class_id)
    if cls is None:
        raise PaperJournalError(f"Класс с номером {class_id} не найден.")
    head = school_head(tx, cls.school_id)
    year = tx.get(AcademicYear, cls.year_id)
    periods = periods_of(tx, cls.school_id, cls.year_id)
    if period_id is not None:
        periods = [p for p in periods if p.id == period_id]
        if not periods:
            raise PaperJournalError(f"Учебный период с номером {period_id} не относится к учебному году класса "
                                    f"{cls.name}.")
    if not periods:
        raise PaperJournalError("Не заданы учебные периоды школы.")
    return cls, head, year, periods


def _keys(tx, cls: SchoolClass, subject_id: int | None, subgroup_id: int | None,
          whole: bool) -> list[JournalKey]:
    q = select(Lesson.class_id, Lesson.subject_id, Lesson.subgroup_id).where(
        Lesson.school_id == cls.school_id, Lesson.class_id == cls.id)
    if not whole:
        q = q.where(Lesson.subject_id == subject_id)
        q = q.where(Lesson.subgroup_id == subgroup_id if subgroup_id else Lesson.subgroup_id.is_(None))
    rows = tx.exec(q.distinct()).all()
    names = dict(tx.exec(select(Subject.id, Subject.name).where(Subject.school_id == cls.school_id)).all())
    return sorted((JournalKey(*r) for r in rows), key=lambda k: (names.get(k.subject_id, ""), k.subgroup_id or 0))


def _make(actor: Actor, class_id: int, *, subject_id: int | None, subgroup_id: int | None,
          period_id: int | None) -> ReportFile:
    whole = subject_id is None
    with reading() as tx:
        target = targets.for_class(tx, class_id, subject_id)
        if target.school_id is None:
            raise PaperJournalError(f"Класс с номером {class_id} не найден.")
        policy.require(actor, CLASS_ACTION if whole else ACTION, target)
        cls, head, year, periods = _context(tx, class_id, period_id)
        keys = _keys(tx, cls, subject_id, subgroup_id, whole)
        staff = staff_names(tx, head.id)
    if not whole and not keys:
        raise PaperJournalError(f"У класса {cls.name} нет уроков по этому предмету.")
    docs: list[JournalDoc] = [load(actor, head, year.start_year, year.id, k, periods, staff) for k in keys]
    from exporters import pdf_journal
    span = periods[0].name if period_id is not None else f"{year_title(year.start_year)} учебный год"
    title = (f"Журнал {cls.name} класса · {span}" if whole else f"Журнал {docs[0].title} · {span}")
    data = pdf_journal.paper_pdf(docs, title)
    pupils = len({sid for d in docs for sid, _ in d.pupils})
    scope = f"{cls.name}" + ("" if whole else f", {docs[0].subject_name}") + f", {span}"
    record_export(actor, head.id, "журнал в виде бумажного", "pdf", pupils=pupils, scope=scope)
    stem = f"Журнал {cls.name}" + ("" if whole else f" {docs[0].subject_name}") + f" {span}"
    return ReportFile(f"{safe_name(stem.replace('/', '-'))}.pdf", data, MIME["pdf"])


def subject_pdf(actor: Actor, class_id: int, subject_id: int, *, subgroup_id: int | None = None,
                period_id: int | None = None) -> ReportFile:
    """One class (or subgroup) and subject, for one period (or the whole year when None)."""
    return _make(actor, class_id, subject_id=subject_id, subgroup_id=subgroup_id, period_id=period_id)


def class_pdf(actor: Actor, class_id: int, *, period_id: int | None = None) -> ReportFile:
    """Every subject of a class, for one period (or the whole year when None)."""
    return _make(actor, class_id, subject_id=None, subgroup_id=None, period_id=period_id)


def may_print(actor: Actor, class_id: int, subject_id: int | None = None) -> bool:
    """Does the policy let the actor print this journal (subject_id None: the whole class)? For
    showing the buttons; the files themselves check again."""
    with reading() as tx:
        target = targets.for_class(tx, class_id, subject_id)
    return target.school_id is not None and policy.allowed(actor, ACTION if subject_id else CLASS_ACTION, target)
