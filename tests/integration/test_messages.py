"""Messages on SQLite and PostgreSQL (R-COM-1; issue 8): who may write to whom — including every
refusal — replies, unread counts, announcements reaching exactly their audience, attachments,
and the moderator hiding a message with a reason in the audit log."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from models import AuditEvent, Message, MessageThread, Notice
from models.db import reading
from services.comms import messages
from services.comms.messages import MessageError, Upload
from services.core import clock
from services.core.policy import AccessDenied
from tests.integration import comms_world
from tests.integration.comms_world import actor


@pytest.fixture
def w(db_url):
    yield comms_world.build()
    clock.set_now(None)


def uid(w, label, school="A"):
    return w.schools[school].users[label]


def threads() -> int:
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(MessageThread)).one()


def denials() -> list[AuditEvent]:
    with reading() as tx:
        return list(tx.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all())


ALLOWED = [
    # a guardian and a pupil of 5А write to the staff of 5А
    ("parent_of_pupil5_1", "class_teacher5"),
    ("parent_of_pupil5_1", "teacher5"),
    ("pupil5_1", "class_teacher5"),
    ("pupil5_2", "teacher5"),
    # the staff of 5А write to its guardians and pupils
    ("class_teacher5", "parent_of_pupil5_2"),
    ("teacher5", "pupil5_1"),
    ("teacher6", "parent_of_pupil6_1"),
    # the administration and staff write to each other
    ("admin", "teacher6"),
    ("teacher5", "director"),
    ("moderator", "admin"),
]

REFUSED = [
    # a guardian only to the staff of their own child's class
    ("parent_of_pupil5_1", "teacher6", "Родители и ученики могут писать только"),
    ("parent_of_pupil5_1", "admin", "Родители и ученики могут писать только"),
    ("pupil6_1", "class_teacher5", "Родители и ученики могут писать только"),
    # guardians and pupils do not write to each other
    ("parent_of_pupil5_1", "parent_of_pupil5_2", "не пишут друг другу"),
    ("pupil5_1", "pupil5_2", "не пишут друг другу"),
    ("pupil5_1", "parent_of_pupil5_2", "не пишут друг другу"),
    # staff only to the families of the classes they teach or lead
    ("teacher5", "parent_of_pupil6_1", "только тех классов"),
    ("class_teacher5", "pupil6_2", "только тех классов"),
    ("admin", "pupil5_1", "только тех классов"),
]


@pytest.mark.parametrize("sender,recipient", ALLOWED)
def test_who_may_write_to_whom(w, sender, recipient):
    a = w.schools["A"]
    thread_id = messages.start_thread(actor(uid(w, sender)), a.id, uid(w, recipient), "Вопрос", "Здравствуйте!")
    view = messages.open_thread(actor(uid(w, recipient)), thread_id)
    assert [m.body for m in view.messages] == ["Здравствуйте!"]


def test_refusals_write_nothing_and_are_audited(w):
    a = w.schools["A"]
    for sender, recipient, reason in REFUSED:
        with pytest.raises(AccessDenied, match=reason):
            messages.start_thread(actor(uid(w, sender)), a.id, uid(w, recipient), "Вопрос", "Текст")
    assert threads() == 0
    events = denials()
    assert len(events) == len(REFUSED)
    assert all(e.detail.startswith("message.write:") for e in events)
    assert {e.actor_user_id for e in events} == {uid(w, s) for s, _, _ in REFUSED}


def test_nobody_writes_to_a_pupil_of_another_school(w):
    a, b = w.schools["A"], w.schools["B"]
    pupil_b = b.users["pupil5_1"]
    for sender in ("teacher5", "class_teacher5", "admin", "director", "parent_of_pupil5_1", "pupil5_1"):
        with pytest.raises(AccessDenied, match="другую школу"):
            messages.start_thread(actor(uid(w, sender)), a.id, pupil_b, "", "Привет")
    # nor by opening a conversation «in» school B from school A's account
    with pytest.raises(AccessDenied, match="другой школе"):
        messages.start_thread(actor(uid(w, "teacher5")), b.id, pupil_b, "", "Привет")
    # school B's own teacher of 5А may
    assert messages.start_thread(actor(b.users["teacher5"]), b.id, pupil_b, "", "Привет")
    assert threads() == 1


def test_contacts_are_exactly_whom_the_rules_allow(w):
    a = w.schools["A"]
    parent = {c.user_id: c for c in messages.contacts(actor(uid(w, "parent_of_pupil5_1")), a.id)}
    assert set(parent) == {uid(w, "class_teacher5"), uid(w, "teacher5")}
    assert "классный руководитель 5А" in parent[uid(w, "class_teacher5")].note
    teacher6 = {c.user_id for c in messages.contacts(actor(uid(w, "teacher6")), a.id)
                if c.group != "Сотрудники"}
    assert teacher6 == {uid(w, x) for x in ("pupil6_1", "pupil6_2", "parent_of_pupil6_1", "parent_of_pupil6_2")}
    assert uid(w, "teacher6") not in {c.user_id for c in messages.contacts(actor(uid(w, "teacher6")), a.id)}


def test_a_reply_the_unread_count_and_reading(w):
    a = w.schools["A"]
    parent, ct = actor(uid(w, "parent_of_pupil5_1")), actor(uid(w, "class_teacher5"))
    thread_id = messages.start_thread(parent, a.id, ct.user_id, "Пропуск", "Сын болеет, не придёт в среду.")
    assert messages.unread_total(ct, a.id) == 1 and messages.unread_total(parent, a.id) == 0
    (row,) = messages.inbox(ct, a.id)
    assert (row.id, row.unread, row.title) == (thread_id, 1, "Пропуск")
    assert messages.mark_read(ct, thread_id) is True and messages.mark_read(ct, thread_id) is False
    assert messages.unread_total(ct, a.id) == 0
    clock.set_now(clock.now() + timedelta(minutes=5))
    messages.reply(ct, thread_id, "Спасибо, отмечу.")
    assert messages.unread_total(parent, a.id) == 1
    view = messages.open_thread(parent, thread_id)
    assert [(m.body, m.mine) for m in view.messages] == [("Сын болеет, не придёт в среду.", True),
                                                         ("Спасибо, отмечу.", False)]
    # a stranger can neither read nor answer the conversation
    with pytest.raises(AccessDenied):
        messages.open_thread(actor(uid(w, "teacher6")), thread_id)
    with pytest.raises(AccessDenied):
        messages.reply(actor(uid(w, "teacher6")), thread_id, "Я тоже здесь")
    with reading() as tx:
        sent = tx.exec(select(AuditEvent).where(AuditEvent.action == "message.sent")).all()
    assert [e.actor_user_id for e in sent] == [parent.user_id, ct.user_id]


def test_a_reply_is_refused_when_the_child_has_left_the_class(w):
    """The rules are checked again on every reply: a guardian whose child left the class no
    longer writes to its teacher."""
    from models import Enrollment
    from models.db import transaction
    a = w.schools["A"]
    parent = actor(uid(w, "parent_of_pupil5_1"))
    thread_id = messages.start_thread(parent, a.id, uid(w, "teacher5"), "", "Вопрос по задаче")
    with transaction() as tx:
        e = tx.exec(select(Enrollment).where(Enrollment.student_id == a.students["pupil5_1"])).one()
        e.ends_on = clock.today() - timedelta(days=1)
        tx.add(e)
    with pytest.raises(AccessDenied, match="не числитесь ни в одном классе"):
        messages.reply(parent, thread_id, "Ещё вопрос")
    with reading() as tx:
        assert tx.exec(select(func.count()).select_from(Message)).one() == 1


def test_bad_input_and_attachments(w):
    a = w.schools["A"]
    parent = actor(uid(w, "parent_of_pupil5_1"))
    ct = uid(w, "class_teacher5")
    with pytest.raises(MessageError, match="Напишите текст"):
        messages.start_thread(parent, a.id, ct, "Тема", "   ")
    with pytest.raises(MessageError, match="не больше 5,0 МБ"):
        messages.start_thread(parent, a.id, ct, "", "Справка", Upload("справка.pdf", b"%PDF-1.4\n" + b"0" * (6 << 20)))
    with pytest.raises(MessageError, match="справка.exe"):
        messages.start_thread(parent, a.id, ct, "", "Справка", Upload("справка.exe", b"MZ\x90\x00"))
    with pytest.raises(MessageError, match="справка.pdf"):  # a renamed picture is not a PDF
        messages.start_thread(parent, a.id, ct, "", "Справка", Upload("справка.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 10))
    assert threads() == 0
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    thread_id = messages.start_thread(parent, a.id, ct, "", "Справка", Upload("справка.pdf", pdf))
    (msg,) = messages.open_thread(actor(ct), thread_id).messages
    assert (msg.attachment_name, msg.attachment_size) == ("справка.pdf", len(pdf))
    assert messages.attachment_of_message(actor(ct), msg.id).data == pdf
    with pytest.raises(AccessDenied):
        messages.attachment_of_message(actor(uid(w, "teacher6")), msg.id)


def test_announcements_reach_exactly_their_audience(w):
    a = w.schools["A"]
    ct = actor(uid(w, "class_teacher5"))
    assert [v for v, _ in messages.announcement_audiences(ct, a.id)] == [f"class:{a.classes['5А']}"]
    thread_id = messages.announce(ct, a.id, f"class:{a.classes['5А']}", "Родительское собрание",
                                  "Собрание в четверг в 18:00.")
    class_5a = {uid(w, x) for x in ("pupil5_1", "pupil5_2", "parent_of_pupil5_1", "parent_of_pupil5_2", "teacher5")}
    with reading() as tx:
        from models import ThreadMember
        members = set(tx.exec(select(ThreadMember.user_id).where(ThreadMember.thread_id == thread_id)).all())
    assert members == class_5a | {ct.user_id}
    for label in ("pupil6_1", "parent_of_pupil6_1", "teacher6", "admin"):
        assert messages.unread_total(actor(uid(w, label)), a.id) == 0
    assert messages.unread_total(actor(uid(w, "parent_of_pupil5_2")), a.id) == 1
    with pytest.raises(MessageError, match="На объявление ответить нельзя"):
        messages.reply(actor(uid(w, "parent_of_pupil5_1")), thread_id, "Приду")
    # a class teacher announces only to their class; a parent never
    with pytest.raises(AccessDenied):
        messages.announce(ct, a.id, f"class:{a.classes['6А']}", "Тема", "Текст")
    with pytest.raises(AccessDenied):
        messages.announce(ct, a.id, "school", "Тема", "Текст")
    with pytest.raises(AccessDenied):
        messages.announce(actor(uid(w, "parent_of_pupil5_1")), a.id, f"class:{a.classes['5А']}", "Тема", "Текст")
    # the editor announces to the school's staff: staff only, of school A only
    editor = actor(uid(w, "editor"))
    staff_thread = messages.announce(editor, a.id, "staff", "Педсовет", "Педсовет в пятницу.")
    with reading() as tx:
        from models import ThreadMember
        staff = set(tx.exec(select(ThreadMember.user_id).where(ThreadMember.thread_id == staff_thread)).all())
    assert uid(w, "teacher6") in staff and uid(w, "admin") in staff
    assert not staff & {uid(w, x) for x in ("pupil5_1", "parent_of_pupil5_1")}
    assert not staff & set(w.schools["B"].users.values())


def test_the_moderator_hides_a_message_with_a_reason_in_the_audit_log(w):
    a = w.schools["A"]
    parent, ct = actor(uid(w, "parent_of_pupil5_1")), actor(uid(w, "class_teacher5"))
    thread_id = messages.start_thread(parent, a.id, ct.user_id, "", "Грубое сообщение")
    (msg,) = messages.open_thread(ct, thread_id).messages
    messages.report_message(ct, msg.id, "Оскорбление")
    moderator = actor(uid(w, "moderator"))
    queue = messages.moderation_queue(moderator, a.id)
    assert [(r.message_id, r.reports, r.reasons) for r in queue] == [(msg.id, 1, "Оскорбление")]
    # only the moderator hides, and only with a reason
    with pytest.raises(AccessDenied):
        messages.hide_message(ct, msg.id, "Оскорбление")
    with pytest.raises(AccessDenied):
        messages.hide_message(actor(uid(w, "admin")), msg.id, "Оскорбление")
    with pytest.raises(MessageError, match="Укажите причину"):
        messages.hide_message(moderator, msg.id, "  ")
    messages.hide_message(moderator, msg.id, "Нарушает правила общения школы")
    for who in (parent, ct):
        (shown,) = messages.open_thread(who, thread_id).messages
        assert shown.hidden and shown.body == messages.HIDDEN_TEXT
        assert shown.hidden_reason == "Нарушает правила общения школы"
    with reading() as tx:
        kept = tx.get(Message, msg.id)
        assert kept.body == "Грубое сообщение" and kept.hidden_by_user_id == moderator.user_id  # hidden, not deleted
        (event,) = tx.exec(select(AuditEvent).where(AuditEvent.action == "message.hidden")).all()
        told = tx.exec(select(Notice.user_id).where(Notice.kind == "message_hidden")).all()
    assert event.actor_user_id == moderator.user_id and event.detail == "Нарушает правила общения школы"
    assert told == [parent.user_id]
    assert messages.unread_total(ct, a.id) == 0          # a hidden message is not counted as unread
    assert messages.moderation_queue(moderator, a.id) == []  # its report is closed
    with pytest.raises(MessageError, match="уже скрыто"):
        messages.hide_message(moderator, msg.id, "Ещё раз")


def test_an_announcement_to_a_parallel_and_to_the_school(w):
    a = w.schools["A"]
    admin, editor = actor(uid(w, "admin")), actor(uid(w, "editor"))
    from models import ThreadMember

    def members(thread_id):
        with reading() as tx:
            return set(tx.exec(select(ThreadMember.user_id).where(ThreadMember.thread_id == thread_id)).all())

    grade6 = messages.announce(admin, a.id, "grade:6", "Экскурсия", "Шестые классы едут в музей.")
    assert members(grade6) == {uid(w, x) for x in ("admin", "pupil6_1", "pupil6_2", "parent_of_pupil6_1",
                                                    "parent_of_pupil6_2", "teacher6")}
    whole = messages.announce(editor, a.id, "school", "Каникулы", "Каникулы с 28 декабря.")
    assert members(whole) == set(a.users.values())          # everybody with a role in school A, no one else
    with pytest.raises(AccessDenied):                        # nor in school B
        messages.announce(editor, w.schools["B"].id, "school", "Каникулы", "Текст")
    with pytest.raises(MessageError, match="Параллель"):
        messages.announce(admin, a.id, "grade:12", "Тема", "Текст")
