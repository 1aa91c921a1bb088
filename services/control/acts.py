"""Internal control (5.10–5.12, 5.17; R-CTL-5): the director's monthly review of the journal recorded as
a dated control act, the months without one, the printable act; and sending the findings of
the control checks to the teachers and class teachers they concern.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import select

from checks import registry
from checks.runner import Finding
from models import AcademicYear, ControlAct, School, StudyPeriod, User
from models.db import reading, transaction
from services.core import audit, clock, policy
from services.core.actor import Actor
from services.core.schools import school_target

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь")
KINDS = {"director_review": "Ежемесячная проверка журнала директором", "control_check": "Внутришкольный контроль",
         "monthly_check": "Ежемесячная проверка журналов (5.10)",
         "period_control": "Контроль по итогам учебного периода (5.11)"}


class ControlError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class ActInfo:
    id: int
    school_id: int
    kind: str
    held_on: date
    author: str
    findings: str


def month_title(month: date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


# --- the director's review ----------------------------------------------------------------------
def record_review(actor: Actor, school_id: int, held_on: date, findings: str) -> int:
    """Record the director's monthly review of the journal (4.7, 5.10) as a dated control act."""
    text = (findings or "").strip()
    if not text:
        raise ControlError("Запишите результаты проверки (например: «Замечаний нет»).")
    if len(text) > 20000:
        raise ControlError("Текст акта слишком длинный: не больше 20 000 знаков.")
    if held_on > clock.today():
        raise ControlError("Дата проверки не может быть в будущем.")
    with transaction() as tx:
        policy.require(actor, "control.review", school_target(tx, school_id, entity="control_act"))
        act = ControlAct(school_id=school_id, kind="director_review", held_on=held_on,
                         author_user_id=actor.user_id, findings=text, created_at=clock.now())
        tx.add(act)
        tx.flush()
        audit.record(tx, actor, "control.review_recorded", school_id=school_id, entity="control_act",
                     entity_id=act.id, new={"held_on": held_on, "kind": "director_review"})
        return act.id


def _author_names(tx, ids) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: " ".join(p for p in (u.last_name, u.first_name, u.middle_name) if p) or u.login
            for u in tx.exec(select(User).where(User.id.in_(list(ids)))).all()}


def acts(actor: Actor, school_id: int, kind: str | None = None, limit: int = 200) -> list[ActInfo]:
    """The school's control acts, newest first."""
    with reading() as tx:
        policy.require(actor, "control.run", school_target(tx, school_id, entity="control_act"))
        stmt = select(ControlAct).where(ControlAct.school_id == school_id)
        if kind:
            stmt = stmt.where(ControlAct.kind == kind)
        rows = tx.exec(stmt.order_by(ControlAct.held_on.desc(), ControlAct.id.desc()).limit(limit)).all()
        names = _author_names(tx, {r.author_user_id for r in rows})
    return [ActInfo(r.id, r.school_id, r.kind, r.held_on, names.get(r.author_user_id, ""), r.findings) for r in rows]


def months_without_review(school_id: int, until: date | None = None) -> list[date]:
    """Calendar months of the school year's study periods, ended by `until` (default today),
    with no director's review: each is flagged (the first day of the month is returned)."""
    return months_without(school_id, "director_review", until)


def year_at(tx, school_id: int, day: date) -> AcademicYear | None:
    """The school's latest year begun by `day` (the one its control is about)."""
    return tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id, AcademicYear.starts_on <= day)
                   .order_by(AcademicYear.starts_on.desc())).first()


def months_without(school_id: int, kind: str, until: date | None = None) -> list[date]:
    """Calendar months of the school year's study periods, ended by `until` (default today), with no
    control act of this kind (the first day of each month)."""
    today = clock.today()
    until = min(until or today, today)
    with reading() as tx:
        year = year_at(tx, school_id, until)
        if year is None:
            return []
        span = tx.exec(select(func.min(StudyPeriod.starts_on), func.max(StudyPeriod.ends_on))
                       .where(StudyPeriod.year_id == year.id)).one()
        first, last = span if span[0] is not None else (year.starts_on, year.ends_on)
        done = {(d.year, d.month) for d in tx.exec(select(ControlAct.held_on).where(
            ControlAct.school_id == school_id, ControlAct.kind == kind,
            ControlAct.held_on >= year.starts_on, ControlAct.held_on <= year.ends_on)).all()}
    out = []
    month = first.replace(day=1)
    while month <= min(last, until):
        month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if month_end <= until and month_end < today and (month.year, month.month) not in done:
            out.append(month)
        month = month_end + timedelta(days=1)
    return out


def act_pdf(actor: Actor, act_id: int) -> bytes:
    """The printable control act as the reports print (exporters/pdf_common.py): the school's name,
    the act's title, number and date, who checked, the findings, the signature block."""
    from exporters.pdf_common import left_lines, new_document, paragraph, signatures, title_block
    from services.reports.common import long_date, school_head

    with reading() as tx:
        act = tx.get(ControlAct, act_id)
        if act is None:
            raise ControlError("Акт не найден.")
        policy.require(actor, "control.run", school_target(tx, act.school_id, entity="control_act", entity_id=act_id))
        school = tx.get(School, act.school_id)
        author = _author_names(tx, {act.author_user_id}).get(act.author_user_id, "")
        tz = school_head(tx, act.school_id).timezone
    name = school.name if school else ""
    kind = KINDS.get(act.kind, "Акт контроля")
    doc = new_document(kind, name)
    doc.add_page()
    title_block(doc, name, f"Акт № {act.id} от {act.held_on:%d.%m.%Y}", [kind])
    checked = [f"Проверенные классы: {act.classes}"] if act.classes else []
    checked += [f"Проверенные журналы: {act.journals}"] if act.journals else []
    left_lines(doc, [f"Проверяющий: {author}", *checked, "Результаты проверки:"], size=10)
    doc.ln(1)
    for text in act.findings.splitlines() or [""]:
        paragraph(doc, text, size=10)
    if act.orders:
        left_lines(doc, ["Поручено:"], size=10)
        for text in act.orders.splitlines():
            paragraph(doc, text, size=10)
    signatures(doc, [("Проверяющий", author), ("С актом ознакомлены", "")], date_line=False)
    left_lines(doc, [f"Сформировано {long_date(clock.to_local(clock.now(), tz).date())}"],
               size=8)
    return doc.to_bytes()


# --- sending findings to teachers ------------------------------------------------------------
@dataclass(frozen=True)
class SendResult:
    act_id: int
    notices: int
    recipients: int
    findings: int


def finding_text(check_name: str, f: Finding) -> str:
    where = ", ".join(p for p in (f.class_name, f.subject,
                                  f.lesson_date.strftime("%d.%m.%Y") if f.lesson_date else "") if p)
    since = f" (с {f.since:%d.%m.%Y %H:%M})" if f.since else ""
    return f"{check_name}: {where}{' — ' if where else ''}{f.what}{since}"


def send_findings(actor: Actor, school_id: int, findings: list[tuple[str, Finding]], note: str = "") -> SendResult:
    """Send each teacher and class teacher the findings that concern them — the teacher the
    finding names and the class teacher of its class — into their inbox (services/comms/notices.py),
    and record the control as a dated act. `findings`: (check id, finding) pairs as listed."""
    from services.comms import notices
    from services.core import targets

    if not findings:
        raise ControlError("Не выбрано ни одного замечания.")
    if any(f.school_id != school_id for _, f in findings):
        raise ControlError("Замечания относятся к другой школе.")
    if len(note) > 1000:
        raise ControlError("Сопроводительный текст длиннее 1000 знаков.")
    named = [(registry.get(check_id).name, f) for check_id, f in findings]
    with transaction() as tx:
        policy.require(actor, "control.run", school_target(tx, school_id, entity="control_act"))
        for class_id in sorted({f.class_id for _, f in named if f.class_id is not None}):
            policy.require(actor, "control.run", targets.for_class(tx, class_id))  # a deputy: their parallels
        by_user: dict[int, list[str]] = defaultdict(list)
        for name, f in named:
            text = finding_text(name, f)
            concerned = notices.staff_users(tx, [f.teacher_id]) if f.teacher_id is not None else set()
            if f.class_id is not None:
                concerned |= notices.class_teachers(tx, f.class_id)
            for user_id in concerned:
                by_user[user_id].append(text)
        lines = [finding_text(name, f) for name, f in named]
        body = "\n".join(([note.strip()] if note.strip() else []) + lines)
        act = ControlAct(school_id=school_id, kind="control_check", held_on=clock.today(),
                         author_user_id=actor.user_id, findings=body[:20000], created_at=clock.now())
        tx.add(act)
        tx.flush()
        sent = 0
        for user_id, texts in sorted(by_user.items()):
            text = "\n".join(([note.strip()] if note.strip() else [])
                             + ["Замечания внутришкольного контроля:"] + [f"• {t}" for t in texts])
            sent += notices.notify(tx, user_id, "control_finding", text, link=f"control_act:{act.id}",
                                   school_id=school_id)
        audit.record(tx, actor, "control.findings_sent", school_id=school_id, entity="control_act", entity_id=act.id,
                     new={"findings": len(named), "recipients": sorted(by_user)})
    return SendResult(act.id, sent, len(by_user), len(named))


def my_findings(actor: Actor) -> list:
    """The actor's unread findings of internal control (for their to-do: what to put right)."""
    from services.comms import notices
    return [n for n in notices.inbox(actor) if n.kind == "control_finding" and not n.read]
