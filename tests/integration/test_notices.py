"""Notices on SQLite and PostgreSQL (issue 8): the system's own messages reach exactly the people
concerned — a substitution in a timetable, a correction done, a withdrawn consent, a hidden
message — and nobody else; a notice is part of the change it tells about."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import Notice
from models.db import reading, transaction
from services.comms import corrections, messages, notices
from services.core import clock
from services.people import consents
from services.planning import substitutions
from tests.integration import comms_world
from tests.integration.comms_world import actor


@pytest.fixture
def w(db_url):
    yield comms_world.build()
    clock.set_now(None)


def uid(w, label, school="A"):
    return w.schools[school].users[label]


def told(kind: str) -> set[int]:
    with reading() as tx:
        return set(tx.exec(select(Notice.user_id).where(Notice.kind == kind)).all())


def test_a_lesson_change_reaches_the_teachers_the_class_and_its_families_only(w):
    a = w.schools["A"]
    lesson = a.lessons["5А/Математика"]
    # teacher6 gives 6А a lesson at that hour: nobody can replace teacher5, the lesson is missed
    substitutions.substitute(actor(uid(w, "admin")), lesson, None, "Болезнь учителя")
    assert told("lesson_changed") == {uid(w, x) for x in (
        "teacher5", "class_teacher5",
        "pupil5_1", "pupil5_2", "parent_of_pupil5_1", "parent_of_pupil5_2")}
    with reading() as tx:
        (note,) = tx.exec(select(Notice).where(Notice.user_id == uid(w, "parent_of_pupil5_1"))).all()
    assert note.link == f"lesson:{lesson}" and note.school_id == a.id and note.read_at is None
    # the parent reads it in their inbox; marking read is theirs only
    parent = actor(uid(w, "parent_of_pupil5_1"))
    (row,) = notices.inbox(parent)
    assert row.kind_title == "Изменение в расписании" and not row.read
    assert messages.unread_total(parent, a.id) == 1
    assert notices.mark_read(actor(uid(w, "teacher5")), [row.id]) == 0
    assert notices.mark_read(parent) == 1 and messages.unread_total(parent, a.id) == 0
    assert notices.unread_count(actor(uid(w, "pupil5_1"))) == 1


def test_a_correction_request_tells_the_administrators_then_the_reporter(w):
    a = w.schools["A"]
    request_id = corrections.file_request(actor(uid(w, "pupil6_1")), a.id, "Фамилия с ошибкой")
    assert told("correction_new") == {uid(w, "admin")}
    corrections.resolve(actor(uid(w, "admin")), request_id, "Исправлено")
    assert told("correction_done") == {uid(w, "pupil6_1")}


def test_a_withdrawn_consent_tells_the_other_administrators(w):
    a = w.schools["A"]
    with reading() as tx:
        from models import StudentGuardian
        guardian_id = tx.exec(select(StudentGuardian.guardian_id).where(
            StudentGuardian.student_id == a.students["pupil5_1"])).one()
    secretary = actor(uid(w, "secretary"))
    consent_id = consents.record(secretary, a.students["pupil5_1"], guardian_id, date(2026, 9, 1), "заявление № 1")
    assert told("consent_withdrawn") == set()
    consents.withdraw(secretary, consent_id, date(2026, 11, 10))
    assert told("consent_withdrawn") == {uid(w, "admin")}


def test_notify_is_part_of_the_callers_transaction(w):
    a = w.schools["A"]
    with pytest.raises(RuntimeError):
        with transaction() as tx:
            assert notices.notify(tx, [uid(w, "admin"), None, uid(w, "admin"), uid(w, "director")], "system",
                                  "Проверка", school_id=a.id) == 2
            raise RuntimeError("the change failed")
    assert told("system") == set()
    with transaction() as tx:
        notices.notify(tx, uid(w, "director"), "system", "Проверка", school_id=a.id)
    assert told("system") == {uid(w, "director")}
    with pytest.raises(ValueError, match="unknown notice kind"):
        with transaction() as tx:
            notices.notify(tx, uid(w, "director"), "no_such_kind", "?")


def test_overdue_credentials_reach_the_class_teacher_once(w):
    """`manage.py remind`: nobody in the world has been handed credentials since 1 September; on
    10 November that is overdue. 5А's class teacher hears about 5А, the administrators about 6А
    (no class teacher), nobody else, and a second run tells nobody again."""
    from services.comms import reminders
    a = w.schools["A"]
    done = reminders.run(a.id)
    assert (done.corrections, done.credentials) == (0, 4)
    with reading() as tx:
        rows = tx.exec(select(Notice.user_id, Notice.link).where(Notice.kind == "credentials_overdue")).all()
    assert sorted(rows) == sorted([(uid(w, "class_teacher5"), f"student:{a.students['pupil5_1']}"),
                                   (uid(w, "class_teacher5"), f"student:{a.students['pupil5_2']}"),
                                   (uid(w, "admin"), f"student:{a.students['pupil6_1']}"),
                                   (uid(w, "admin"), f"student:{a.students['pupil6_2']}")])
    assert reminders.run(a.id) == reminders.Reminded(0, 0)


def test_the_remind_command(w, capsys):
    import json

    import manage
    assert manage.main(["remind", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out.strip())
    assert payload == {"ok": True, "corrections": 0, "credentials": 12}  # 4 pupils in each of 3 schools
