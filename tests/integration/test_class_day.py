"""The class teacher's daily record (1.7, 4.3; R-JRN-8): who missed lessons and who did not do the homework on
a day; the reason of an absence recorded for all subjects at once («Н» → «Б»/«У», the document noted,
every change audited); refusals change nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import AbsenceNote, Attendance, AuditEvent, Homework, HomeworkMiss
from models.db import reading, transaction
from services.core.policy import AccessDenied
from services.journal import class_day
from services.journal.class_teacher import ClassError
from tests.integration import indicators_world as iwm
from tests.integration.indicators_world import world_at_now  # noqa: F401  (a fixture)


actor = iwm.actor


@pytest.fixture
def world(world_at_now):
    w = world_at_now
    l8, l12 = w.lessons["L8"].id, w.lessons["L12"].id
    with transaction() as tx:   # P1 missed math on Mon 10 Nov and Russian on Tue 11 Nov
        for lesson_id in (l8, l12):
            tx.add(Attendance(school_id=w.a, lesson_id=lesson_id, student_id=w.pupils["P1"], status="absent",
                              entered_at=iwm.msk(11, 11, 15)))
        hw = tx.exec(select(Homework).where(Homework.lesson_id == l8)).one()   # checked at L9, Wed 12 Nov
        tx.add(HomeworkMiss(school_id=w.a, homework_id=hw.id, student_id=w.pupils["P2"],
                            entered_at=iwm.msk(11, 12, 9)))
    return w


def statuses(w, student):
    with reading() as tx:
        return sorted((a.lesson_id, a.status) for a in tx.exec(
            select(Attendance).where(Attendance.student_id == w.pupils[student])).all())


def test_the_day_shows_who_missed_lessons_and_who_did_not_do_homework(world):
    w = world
    ct = actor(w, "t_rus")
    day = class_day.day_record(ct, w.classes["5А"], date(2025, 11, 10))
    shown = {p.name.split()[0]: (p.absences, p.homework_missed, p.unexplained) for p in day.pupils}
    assert shown == {"Алексеев": (["1. Математика — Н"], [], 1), "Васильев": (["1. Математика — Н"], [], 1)}
    day = class_day.day_record(ct, w.classes["5А"], date(2025, 11, 12))
    shown = {p.name.split()[0]: (p.absences, p.homework_missed) for p in day.pupils}
    assert shown == {"Борисова": (["1. Математика — Б"], ["Математика"])}
    with pytest.raises(AccessDenied):   # not the class teacher of 5А
        class_day.day_record(actor(w, "t_math"), w.classes["5А"], date(2025, 11, 10))


def test_the_reason_changes_every_absence_of_those_days_for_all_subjects_at_once(world):
    w = world
    ct = actor(w, "t_rus")
    before_p3 = statuses(w, "P3")
    changed = class_day.record_reason(ct, w.classes["5А"], w.pupils["P1"], date(2025, 11, 10), date(2025, 11, 11),
                                      "ill", "справка № 15 от 12.11.2025")
    assert changed == 2
    l1, l8, l12 = (w.lessons[k].id for k in ("L1", "L8", "L12"))
    got = dict(statuses(w, "P1"))
    assert (got[l8], got[l12], got[l1]) == ("ill", "ill", "absent")   # 6 Oct is outside the days given
    assert statuses(w, "P3") == before_p3                             # another pupil's «Н» stays
    with reading() as tx:
        note = tx.exec(select(AbsenceNote)).one()
        events = tx.exec(select(AuditEvent).where(AuditEvent.action.in_(
            ["attendance.changed", "absence.reason_recorded"]))).all()
    assert (note.reason, note.document, note.lessons) == ("ill", "справка № 15 от 12.11.2025", 2)
    assert sorted(e.action for e in events) == ["absence.reason_recorded", "attendance.changed", "attendance.changed"]
    assert all("справка № 15" in e.detail for e in events if e.action == "attendance.changed")
    day = class_day.day_record(ct, w.classes["5А"], date(2025, 11, 10))
    assert [(n.student.split()[0], n.reason, n.document) for n in day.notes] == [
        ("Алексеев", "ill", "справка № 15 от 12.11.2025")]
    assert {p.name.split()[0]: p.absences for p in day.pupils}["Алексеев"] == ["1. Математика — Б"]


def test_bad_input_and_strangers_change_nothing(world):
    w = world
    ct = actor(w, "t_rus")
    before = statuses(w, "P1")
    cases = [
        (dict(reason="ill", document="  "), "Укажите документ"),
        (dict(reason="sick", document="справка"), "не подходит"),
        (dict(reason="excused", document="заявление", starts_on=date(2025, 11, 12), ends_on=date(2025, 11, 10)),
         "наоборот"),
        (dict(reason="excused", document="заявление", ends_on=date(2025, 11, 25)), "не вперёд"),
        (dict(reason="excused", document="заявление", starts_on=date(2025, 11, 13), ends_on=date(2025, 11, 14)),
         "нет пропусков"),
    ]
    for kwargs, message in cases:
        args = dict(starts_on=date(2025, 11, 10), ends_on=date(2025, 11, 11)) | kwargs
        with pytest.raises(ClassError, match=message):
            class_day.record_reason(ct, w.classes["5А"], w.pupils["P1"], **args)
    with pytest.raises(AccessDenied):   # a pupil of 9А through the class teacher of 5А
        class_day.record_reason(ct, w.classes["5А"], w.pupils["P5"], date(2025, 11, 10), date(2025, 11, 11),
                                "ill", "справка")
    with pytest.raises(AccessDenied):   # a subject teacher
        class_day.record_reason(actor(w, "t_math"), w.classes["5А"], w.pupils["P1"], date(2025, 11, 10),
                                date(2025, 11, 11), "ill", "справка")
    assert statuses(w, "P1") == before
    with reading() as tx:
        assert tx.exec(select(AbsenceNote)).all() == []
