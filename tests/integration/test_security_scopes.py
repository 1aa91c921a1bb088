"""Issue 13 (security), on SQLite and PostgreSQL: the holes an attacker reproduced on the demo.

* 2.4 Period, annual and final marks, and «did not do the homework», for pupils outside the
  class (another class, another school, another municipality): refused whole, nothing written,
  the refusal audited.
* 2.7 The coordinator and monitoring see the olympiads as aggregates only: no named pupils.
* 2.8 A moderator acts only on what was reported to them: reads of a reported message's file
  and of the queue are audited; an unreported message is neither read nor hidden.
* 2.10 Each role gets only the columns of a class list it needs (services/core/policy.ROSTER_COLUMNS).
"""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import func, select

from models import (
    AuditEvent, Guardian, HomeworkMiss, Lesson, Message, PeriodMark, Student, StudentGuardian, StudyPeriod,
    AcademicYear, Subgroup, SubgroupMember,
)
from models.db import reading, transaction
from services.comms import messages
from services.comms.messages import Upload
from services.control import olympiads
from services.core import clock
from services.core.policy import AccessDenied
from services.journal import lessons, period_marks
from services.journal.period_marks import PeriodMarkChange
from services.people import rosters
from tests.integration import comms_world
from tests.integration.comms_world import actor


@pytest.fixture
def w(db_url):
    yield comms_world.build()
    clock.set_now(None)


def who(w, label, school="A"):
    return actor(w.schools[school].users[label])


def events(action: str) -> list[AuditEvent]:
    with reading() as tx:
        return list(tx.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


def count(model) -> int:
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(model)).one()


def strangers(w) -> dict[str, int]:
    """Pupils a teacher of 5А in school A must not reach: another class, school, municipality."""
    return {"another class": w.schools["A"].students["pupil6_1"], "another school": w.schools["B"].students["pupil5_1"],
            "another municipality": w.schools["C"].students["pupil5_1"]}


# ----------------------------------------------------------------------------- 2.4
def test_period_and_year_marks_for_pupils_outside_the_class_are_refused_whole(w):
    a = w.schools["A"]
    teacher, c5, math = who(w, "teacher5"), a.classes["5А"], a.subjects["Математика"]
    with transaction() as tx:
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == a.id)).one()
        period = StudyPeriod(school_id=a.id, year_id=year.id, kind="quarter", number=1, name="1 четверть",
                             starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 26))
        tx.add(period)
        tx.flush()
        period_id = period.id
    good = PeriodMarkChange(a.students["pupil5_1"], "", "5")
    for where, stranger in strangers(w).items():
        denied = len(events("access.denied"))
        with pytest.raises(AccessDenied, match="не числятся в этом классе") as e:
            period_marks.save(teacher, c5, math, period_id, [good, PeriodMarkChange(stranger, "", "4")])
        assert str(stranger) in str(e.value), where
        with pytest.raises(AccessDenied, match="не числятся в этом классе"):
            period_marks.save_year(teacher, c5, math, {"annual": [good], "final": [PeriodMarkChange(stranger, "", "4")]})
        assert count(PeriodMark) == 0, where  # not even the good pupil's mark
        trace = events("access.denied")[denied:]
        assert len(trace) == 2 and all("period_mark.edit" in t.detail and t.school_id == a.id for t in trace), where
    # the same good mark alone is saved: what was refused was the stranger, not the teacher
    assert period_marks.save(teacher, c5, math, period_id, [good]) == 1
    assert period_marks.save_year(teacher, c5, math, {"annual": [good]}) == 1


def test_homework_misses_of_pupils_outside_the_class_are_refused_whole(w):
    a = w.schools["A"]
    teacher, first = who(w, "teacher5"), a.lessons["5А/Математика"]
    with transaction() as tx:
        src = tx.get(Lesson, first)
        nxt = Lesson(school_id=a.id, class_id=src.class_id, subject_id=src.subject_id, teacher_id=src.teacher_id,
                     lesson_date=date(2026, 11, 9), lesson_number=1, starts_at=time(8, 30), ends_at=time(9, 15))
        tx.add(nxt)
        tx.flush()
        second = nxt.id
    lessons.save(teacher, first, version=lessons.detail(teacher, first).version, topic="Дроби", held=True,
                 homework_text="№ 1-5")
    for where, stranger in strangers(w).items():
        version = lessons.detail(teacher, second).version
        denied = len(events("access.denied"))
        with pytest.raises(AccessDenied, match="не числятся в этом классе"):
            lessons.save(teacher, second, version=version, topic="Сложение дробей", held=True,
                         previous_misses=frozenset({a.students["pupil5_2"], stranger}))
        assert count(HomeworkMiss) == 0, where
        detail = lessons.detail(teacher, second)
        assert (detail.version, detail.topic) == (version, ""), where  # the lesson was not saved either
        (trace,) = events("access.denied")[denied:]
        assert "journal.edit" in trace.detail and str(stranger) in trace.detail, where
    lessons.save(teacher, second, version=version, topic="Сложение дробей", held=True,
                 previous_misses=frozenset({a.students["pupil5_2"]}))
    assert lessons.detail(teacher, second).previous_misses == {a.students["pupil5_2"]}


# ----------------------------------------------------------------------------- 2.7
def test_the_coordinator_and_monitoring_see_no_named_olympiad_lists(w):
    a = w.schools["A"]
    admin = who(w, "admin")
    olympiads.save_result(admin, a.id, a.students["pupil5_1"], "vsosh", "school", "Математика", "prize",
                          date(2026, 10, 1))
    olympiads.save_venue(admin, a.id, "vsosh", "school", date(2026, 10, 1))
    coordinator, monitoring = actor(w.coordinator_user_id), who(w, "coordinator_like_monitoring")
    for reader in (coordinator, monitoring):
        for call in (lambda x: olympiads.results(x, a.id), lambda x: olympiads.pupil_choices(x, a.id)):
            denied = len(events("access.denied"))
            with pytest.raises(AccessDenied, match="Недостаточно прав"):
                call(reader)
            assert len(events("access.denied")) == denied + 1
        assert len(olympiads.venues(reader, a.id)) == 1  # the venues name nobody
    # those who enter the results or may see the pupils behind an indicator still read them
    for label in ("admin", "director", "deputy"):
        assert [r.pupil for r in olympiads.results(who(w, label), a.id)] == ["Ученик1 5А"], label


# ----------------------------------------------------------------------------- 2.8
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def test_the_moderator_acts_only_on_what_was_reported_and_the_reads_are_audited(w):
    a = w.schools["A"]
    parent, ct, moderator = who(w, "parent_of_pupil5_1"), who(w, "class_teacher5"), who(w, "moderator")
    thread_id = messages.start_thread(parent, a.id, ct.user_id, "Справка", "Справка о болезни",
                                      Upload("справка.pdf", PDF))
    (msg,) = messages.open_thread(ct, thread_id).messages
    # not reported: the moderator neither reads its file nor hides it, and the queue is empty
    denied = len(events("access.denied"))
    with pytest.raises(AccessDenied, match="никто не пожаловался"):
        messages.attachment_of_message(moderator, msg.id)
    with pytest.raises(AccessDenied, match="никто не пожаловался"):
        messages.hide_message(moderator, msg.id, "Просто так")
    assert len(events("access.denied")) == denied + 2
    assert messages.moderation_queue(moderator, a.id) == []
    with reading() as tx:
        assert tx.get(Message, msg.id).hidden_at is None
    assert events("message.reported_read") == []
    # members read their own thread's file as before, with no moderator's trace
    assert messages.attachment_of_message(ct, msg.id).data == PDF
    # reported: the moderator reads it, and each read is in the audit log
    messages.report_message(ct, msg.id, "Чужие персональные данные")
    assert messages.attachment_of_message(moderator, msg.id).data == PDF
    assert [r.message_id for r in messages.moderation_queue(moderator, a.id)] == [msg.id]
    reads = events("message.reported_read")
    assert len(reads) == 2 and all(e.actor_user_id == moderator.user_id and e.school_id == a.id for e in reads)
    assert reads[0].entity_id == str(msg.id) and "справка.pdf" in reads[0].detail
    messages.hide_message(moderator, msg.id, "Персональные данные в переписке")
    (hidden,) = events("message.hidden")
    assert hidden.actor_user_id == moderator.user_id and hidden.entity_id == str(msg.id)
    # handled: the report is closed, the moderator is done with it
    with pytest.raises(AccessDenied):
        messages.attachment_of_message(moderator, msg.id)
    # a moderator of another school gets nothing either
    with pytest.raises(AccessDenied):
        messages.moderation_queue(moderator, w.schools["B"].id)


# ----------------------------------------------------------------------------- 2.10
def test_each_role_gets_only_the_roster_columns_it_needs(w):
    a = w.schools["A"]
    p51, c5 = a.students["pupil5_1"], a.classes["5А"]
    with transaction() as tx:
        pupil = tx.get(Student, p51)
        pupil.snils, pupil.birth_date = "112-233-445 95", date(2015, 3, 1)
        tx.add(pupil)
        link = tx.exec(select(StudentGuardian).where(StudentGuardian.student_id == p51)).one()
        guardian = tx.get(Guardian, link.guardian_id)
        guardian.phone = "+79121112233"
        tx.add(guardian)
        group = Subgroup(school_id=a.id, class_id=c5, subject_id=a.subjects["Математика"], name="1 группа")
        tx.add(group)
        tx.flush()
        tx.add(SubgroupMember(school_id=a.id, subgroup_id=group.id, student_id=p51, starts_on=date(2026, 9, 1)))

    def row(label):
        roster = rosters.class_roster(who(w, label), c5)
        return roster.columns, next(p for p in roster.pupils if p.id == p51)

    for label in ("teacher5", "director", "deputy"):  # names and subgroups only
        columns, r = row(label)
        assert columns == {"name"}, label
        assert (r.last_name, r.subgroups) == ("Ученик1", ("Математика: 1 группа",)), label
        assert (r.snils, r.birth_date, r.guardians, r.login) == ("", None, (), ""), label
    for label in ("class_teacher5", "secretary", "admin"):  # those who keep the personal data
        columns, r = row(label)
        assert columns == {"name", "contacts", "snils"}, label
        assert (r.snils, r.birth_date, r.guardians[0].phone) == ("112-233-445 95", date(2015, 3, 1), "+79121112233")
        assert r.subgroups == ("Математика: 1 группа",)
    for label in ("teacher6", "parent_of_pupil5_1", "pupil5_1"):  # not theirs at all
        with pytest.raises(AccessDenied):
            rosters.class_roster(who(w, label), c5)
