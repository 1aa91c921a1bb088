"""A homework may carry a file: checked before anything is written (a refused file changes
nothing, the message names it), stored with the homework in the lesson's transaction, read
back by those who read the journal, replaced or removed (the old file goes with it)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import Attachment, Homework
from models.db import reading
from services.core import auth
from services.core.attachments import Upload
from services.core.policy import AccessDenied
from services.journal import lessons
from tests.integration import journal_world

MSK = ZoneInfo("Europe/Moscow")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def jw(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    return journal_world.build()


def actor(jw, login):
    with reading() as tx:
        return auth.load_actor(tx, jw.users[login])


def test_a_homework_file_is_checked_stored_read_replaced_and_removed(jw):
    math = actor(jw, "math")
    lesson_id = jw.lessons[("math", date(2026, 11, 19))]
    d = lessons.detail(math, lesson_id)
    with pytest.raises(lessons.LessonError, match="Файл к домашнему заданию не принят: Файл «задание.exe»"):
        lessons.save(math, lesson_id, version=d.version, topic="Дроби", held=True, homework_text="№ 12",
                     homework_file=Upload("задание.exe", b"MZ\x90\x00"))
    with reading() as tx:
        assert tx.exec(select(Homework)).all() == [] and tx.exec(select(Attachment)).all() == []

    version = lessons.save(math, lesson_id, version=d.version, topic="Дроби", held=True, homework_text="№ 12",
                           homework_minutes=20, homework_file=Upload("Карточка.pdf", PDF))
    d = lessons.detail(math, lesson_id)
    assert d.version == version and d.homework_file == "Карточка.pdf" and d.homework_minutes == 20
    got = lessons.homework_file(math, lesson_id)
    assert got.name == "Карточка.pdf" and got.mime == "application/pdf" and got.data == PDF
    with pytest.raises(AccessDenied):
        lessons.homework_file(actor(jw, "parent"), lesson_id)  # the diary, not the journal, is theirs

    version = lessons.save(math, lesson_id, version=version, topic="Дроби", held=True, homework_text="№ 12",
                           homework_file=Upload("Карточка 2.txt", "Решить № 12–15".encode()))
    assert lessons.homework_file(math, lesson_id).name == "Карточка 2.txt"
    with reading() as tx:
        assert [a.name for a in tx.exec(select(Attachment)).all()] == ["Карточка 2.txt"]
    lessons.save(math, lesson_id, version=version, topic="Дроби", held=True, homework_text="№ 12", remove_file=True)
    assert lessons.detail(math, lesson_id).homework_file == "" and lessons.homework_file(math, lesson_id) is None
    with reading() as tx:
        assert tx.exec(select(Attachment)).all() == []
        assert tx.exec(select(Homework.text)).all() == ["№ 12"]
