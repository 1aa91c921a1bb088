"""The class teacher's screen of personal data and the subgroups grid (R-CON-3), on SQLite and PostgreSQL:
every change audited with old and new values, bad input refused with what and where; subgroups
set before the year and changed later from a date; first graders counted against 5 September."""
from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent, Guardian, Student, SubgroupMember, User
from models.db import reading
from services.core.actor import SYSTEM
from services.core.policy import AccessDenied
from services.people import rosters, rosters_import, subgroups
from tests.integration import roster_world as w

MSK = ZoneInfo("Europe/Moscow")
MOTHER = ("Орлова Ирина Викторовна", "мать", "+7 912 111-22-33", "")


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 8, 25, 10, 0, tzinfo=MSK))
    rw = w.build()
    rows = [w.pupil_row("Орлов", "Максим", g1=MOTHER), w.pupil_row("Павлова", "Вера", sex="ж", birth="02.02.2015"),
            w.pupil_row("Рыбин", "Олег", birth="03.03.2015"), w.pupil_row("Смирнов", "Ян", cls="5Б")]
    assert rosters_import.run_import(SYSTEM, rw.school_id, "pupils", w.workbook(w.PUPIL_HEADERS, rows), "r.xlsx").committed
    with reading() as tx:
        rw.pupils = {s.last_name: s.id for s in tx.exec(select(Student)).all()}
    return rw


def test_the_class_teacher_keeps_the_class_data(rw):
    ct = rw.actor("ct5")
    roster = rosters.class_roster(ct, rw.classes["5А"])
    assert [p.last_name for p in roster.pupils] == ["Орлов", "Павлова", "Рыбин"]
    orlov = roster.pupils[0]
    assert orlov.login == "orlov.m" and orlov.guardians[0].phone == "+79121112233"
    assert rosters.update_pupils(ct, rw.classes["5А"], {orlov.id: {"snils": "112-233-445 95", "middle_name": "Ильич",
                                                                   "sex": "м"}}) == 1
    with pytest.raises(rosters.RosterError, match="Павлова Вера, «СНИЛС»: «112-233-445 96» — неверная контрольная сумма"):
        rosters.update_pupils(ct, rw.classes["5А"], {rw.pupils["Павлова"]: {"snils": "112-233-445 96"}})
    with pytest.raises(rosters.RosterError, match="уже записан у другого ученика"):
        rosters.update_pupils(ct, rw.classes["5А"], {rw.pupils["Павлова"]: {"snils": "112-233-445 95"}})
    with pytest.raises(rosters.RosterError, match="«Фамилия»: поле обязательно"):
        rosters.update_pupils(ct, rw.classes["5А"], {orlov.id: {"last_name": " "}})
    g = orlov.guardians[0]
    assert rosters.update_guardians(ct, rw.classes["5А"], {g.id: {"phone": "8 (913) 000-00-00", "relation": "Мама"}}) == 1
    new_id = rosters.add_guardian(ct, rw.classes["5А"], orlov.id, {"name": "Орлов Илья Петрович", "relation": "отец",
                                                                    "email": "orlov@example.ru"})
    roster = rosters.class_roster(ct, rw.classes["5А"])
    assert [(x.name, x.relation, x.phone, x.login) for x in roster.pupils[0].guardians] == [
        ("Орлова Ирина Викторовна", "мать", "+79130000000", "orlova.iv"),
        ("Орлов Илья Петрович", "отец", "", "orlov.ip")]
    rosters.unlink_guardian(ct, rw.classes["5А"], orlov.id, new_id)
    with reading() as tx:
        events = tx.exec(select(AuditEvent).where(AuditEvent.action.in_(
            ["student.updated", "guardian.updated", "guardian.created", "guardian.unlinked"])).order_by(AuditEvent.id)).all()
        assert tx.get(Guardian, new_id) is not None and tx.exec(select(User).where(User.login == "orlov.ip")).one()
    assert [e.action for e in events] == ["student.updated", "guardian.updated", "guardian.created", "guardian.unlinked"]
    assert json.loads(events[0].old) == {"middle_name": "", "snils": None}
    assert json.loads(events[0].new) == {"middle_name": "Ильич", "snils": "***-***-*** 95"}  # masked in the audit
    assert json.loads(events[1].new) == {"phone": "+79130000000"}   # «Мама» is «мать» already
    assert all(e.actor_user_id == rw.users["ct5"] for e in events)
    # another class is not theirs
    with pytest.raises(AccessDenied):
        rosters.update_pupils(ct, rw.classes["5Б"], {rw.pupils["Смирнов"]: {"first_name": "Яков"}})
    with pytest.raises(rosters.RosterError, match="не найден в этом классе"):
        rosters.update_pupils(ct, rw.classes["5А"], {rw.pupils["Смирнов"]: {"first_name": "Яков"}})


def test_subgroups_before_the_year_and_a_dated_change_later(rw, frozen_clock):
    ct = rw.actor("ct5")
    eng = rw.subjects["Английский язык"]
    grid = subgroups.load_grid(ct, rw.classes["5А"])
    assert grid.subjects == [(eng, "Английский язык")] and grid.before_start and not grid.readonly
    o, p, r = rw.pupils["Орлов"], rw.pupils["Павлова"], rw.pupils["Рыбин"]
    assert subgroups.save_grid(ct, rw.classes["5А"], {(o, eng): 1, (p, eng): 1, (r, eng): 2}) == 3
    assert subgroups.save_grid(ct, rw.classes["5А"], {(o, eng): 2}) == 1   # before the year: simply reset
    with reading() as tx:
        members = sorted((m.student_id, m.starts_on, m.ends_on) for m in tx.exec(select(SubgroupMember)).all())
    assert members == [(o, date(2026, 9, 1), None), (p, date(2026, 9, 1), None), (r, date(2026, 9, 1), None)]
    frozen_clock(datetime(2026, 10, 12, 10, 0, tzinfo=MSK))
    assert subgroups.save_grid(ct, rw.classes["5А"], {(p, eng): 2, (r, eng): 2}) == 1   # r unchanged
    grid = subgroups.load_grid(ct, rw.classes["5А"])
    assert (grid.cells[(o, eng)], grid.cells[(p, eng)], grid.cells[(r, eng)]) == (2, 2, 2)
    assert subgroups.load_grid(ct, rw.classes["5А"], on=date(2026, 10, 11)).cells[(p, eng)] == 1
    with reading() as tx:
        spans = sorted((m.starts_on, m.ends_on) for m in tx.exec(select(SubgroupMember).where(
            SubgroupMember.student_id == p)).all())
        logged = tx.exec(select(AuditEvent).where(AuditEvent.action == "subgroup.changed")).all()
    assert spans == [(date(2026, 9, 1), date(2026, 10, 11)), (date(2026, 10, 12), None)]
    assert len(logged) == 5 and json.loads(logged[-1].new)["from"] == "2026-10-12"
    with pytest.raises(subgroups.SubgroupError, match="от 1 до 4"):
        subgroups.save_grid(ct, rw.classes["5А"], {(o, eng): 7})
    with pytest.raises(AccessDenied):
        subgroups.save_grid(rw.actor("math"), rw.classes["5А"], {(o, eng): 1})


def test_first_graders_by_5_september(rw, frozen_clock):
    secretary = rw.actor("secretary")
    status = rosters.first_graders(secretary, rw.school_id)
    assert (status.count, status.past_due, status.flagged) == (0, False, False)
    rows = [w.pupil_row("Абрамов", "Яков", birth="01.03.2019", cls="1А")]
    assert rosters_import.run_import(secretary, rw.school_id, "pupils", w.workbook(w.PUPIL_HEADERS, rows), "f.xlsx").committed
    frozen_clock(datetime(2026, 9, 7, 10, 0, tzinfo=MSK))
    rows = [w.pupil_row("Борисова", "Ася", birth="01.04.2019", sex="ж", cls="1А")]
    assert rosters_import.run_import(secretary, rw.school_id, "pupils", w.workbook(w.PUPIL_HEADERS, rows), "f.xlsx").committed
    status = rosters.first_graders(secretary, rw.school_id)
    assert (status.count, status.entered_late, status.past_due, status.flagged) == (2, 1, True, True)
    assert status.classes == {"1А": 2} and status.due == date(2026, 9, 5)
    with pytest.raises(AccessDenied):
        rosters.first_graders(rw.actor("ct5"), rw.school_id)
