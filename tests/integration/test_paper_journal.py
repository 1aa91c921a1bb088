"""The paper journal on demand (issue 16, item 6): one class and subject, or a whole class, as a
PDF laid out like the paper journal (a marks page and a topics page per period), read back with
pdftotext; who may print what (the teacher their own, the class teacher their class, the deputy
their parallels, the director); the export is audited; one page is rendered to PNG for a look."""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from models import AuditEvent, Homework, RoleGrant, Staff, TeachingAssignment, User
from models.db import reading, transaction
from services.core import config
from services.core.policy import AccessDenied
from services.journal import paper_journal
from tests.integration import readback, reports_world
from tests.integration.reports_world import T, actor

NOW = "2026-11-20T12:00:00+03:00"


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime.fromisoformat(NOW))
    world = reports_world.build()
    with transaction() as tx:
        tx.add(Homework(school_id=world.school_id, lesson_id=world.lessons[("5А", "math", 17)],
                        text="Задачи № 101–105 на дроби", entered_at=T))
    return world


def _stranger(rw) -> int:
    """A teacher of mathematics in 5Б only."""
    with transaction() as tx:
        u = User(login="math_5b", password_hash="x", last_name="Бэшный", first_name="Тест", created_at=T)
        tx.add(u)
        tx.flush()
        tx.add(RoleGrant(user_id=u.id, role="teacher", school_id=rw.school_id, granted_at=T))
        st = Staff(school_id=rw.school_id, user_id=u.id, last_name="Бэшный", first_name="Тест")
        tx.add(st)
        tx.flush()
        tx.add(TeachingAssignment(school_id=rw.school_id, class_id=rw.classes["5Б"], subject_id=rw.subjects["math"],
                                  teacher_id=st.id))
        rw.users["math_5b"] = u.id
    return u.id


def test_one_subject_reads_like_the_paper_journal(rw):
    file = paper_journal.subject_pdf(actor(rw, "math_t"), rw.classes["5А"], rw.subjects["math"], period_id=rw.q2)
    assert file.name.endswith(".pdf") and "5А" in file.name and "Математика" in file.name
    pages = readback.pdf_pages(file.data)
    text = "\n".join(pages)
    # the marks page: pupils × lesson dates, marks and absences (Н), the period mark
    marks_page = next(p for p in pages if "Алексеев Антон" in p and "10.11" in p)
    for name in ("Алексеев Антон", "Борисова Бэлла", "Григорьева Галина", "Егорова Елена"):
        assert name in marks_page
    assert "Дмитриев" not in text            # a pupil of 5Б
    borisova = readback.line_with(marks_page, "Борисова Бэлла")
    assert "5/4" in borisova and "Н" in borisova.split("Бэлла", 1)[1]
    assert "2 четверть" in marks_page and "1 четверть" not in text.split("Отметки за периоды")[0]
    # the topics page follows the marks page of its period: date, topic, homework
    topics_at = next(i for i, p in enumerate(pages) if "Что пройдено на уроке" in p)
    assert topics_at > pages.index(marks_page)
    topics = "\n".join(pages[topics_at:])
    for day in (10, 12, 17, 19):
        assert f"{day}.11.2026" in topics and f"Математика: тема {day} ноября" in topics
    assert readback.line_with(topics, "17.11.2026").count("Задачи") == 1 and "101–105" in topics
    assert "Математикова" in topics
    with reading() as tx:
        event = tx.exec(select(AuditEvent).where(AuditEvent.action == "personal_data.exported")
                        .order_by(AuditEvent.id.desc())).first()
    assert event.actor_user_id == rw.users["math_t"] and "журнал в виде бумажного" in event.detail
    assert "учеников: 5" in event.detail   # Алексеев, Борисова, Васильев (until 12.11), Григорьева, Егорова


def test_whole_class_every_subject(rw):
    for login in ("ct5a", "deputy5", "director"):
        file = paper_journal.class_pdf(actor(rw, login), rw.classes["5А"])
        text = "\n".join(readback.pdf_pages(file.data))
        for subject in ("Математика", "Русский язык", "Физическая культура", "Проектная деятельность"):
            assert f"5А класс · {subject}" in text
        assert "Русский язык: тема 11 ноября" in text and "осв" in text
        assert "Годовая" in text   # the period and annual marks page
        assert "5Б класс" not in text


def test_refusals(rw):
    before = _denials()
    _stranger(rw)
    cases = [
        ("math_5b", lambda a: paper_journal.subject_pdf(a, rw.classes["5А"], rw.subjects["math"])),   # other class
        ("rus_t", lambda a: paper_journal.subject_pdf(a, rw.classes["5А"], rw.subjects["math"])),     # other subject
        ("math_t", lambda a: paper_journal.class_pdf(a, rw.classes["5А"])),                          # a whole class
        ("ct5b", lambda a: paper_journal.class_pdf(a, rw.classes["5А"])),                            # other class
        ("deputy6", lambda a: paper_journal.class_pdf(a, rw.classes["5А"])),                         # other parallel
        ("parent", lambda a: paper_journal.subject_pdf(a, rw.classes["5А"], rw.subjects["math"])),
        ("admin", lambda a: paper_journal.class_pdf(a, rw.classes["5А"])),
    ]
    for login, call in cases:
        with pytest.raises(AccessDenied, match="Недостаточно прав: журнал"):
            call(actor(rw, login))
    assert _denials() - before == len(cases)
    with reading() as tx:
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "personal_data.exported")).all() == []
    # the teacher of 5Б prints their own journal; a period of another year is refused in Russian
    assert paper_journal.subject_pdf(actor(rw, "math_5b"), rw.classes["5Б"], rw.subjects["math"]).data[:4] == b"%PDF"
    with pytest.raises(paper_journal.PaperJournalError, match="не относится к учебному году"):
        paper_journal.subject_pdf(actor(rw, "math_t"), rw.classes["5А"], rw.subjects["math"], period_id=999999)


def _denials() -> int:
    with reading() as tx:
        return len(tx.exec(select(AuditEvent.id).where(AuditEvent.action == "access.denied")).all())


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) renders the page")
def test_page_rendered_for_a_look(rw, db_url):
    """The first marks page and the topics page as PNG in test-artifacts/ (looked at by a person)."""
    if "sqlite" not in db_url:
        pytest.skip("one picture is enough")
    file = paper_journal.subject_pdf(actor(rw, "math_t"), rw.classes["5А"], rw.subjects["math"], period_id=rw.q2)
    out = Path(config.ROOT) / "test-artifacts"
    out.mkdir(exist_ok=True)
    pdf = out / "paper_journal.pdf"
    pdf.write_bytes(file.data)
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(out / "paper_journal")], check=True, timeout=60)
    pngs = sorted(out.glob("paper_journal-*.png"))
    assert len(pngs) >= 2 and all(p.stat().st_size > 10_000 for p in pngs)
