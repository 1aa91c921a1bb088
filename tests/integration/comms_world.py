"""The access world (tests/integration/world.py: schools A, B, C, each with 5А and 6А, teacher5
teaching 5А, teacher6 teaching 6А, class_teacher5 leading 5А, two pupils per class with an
account and a parent each) plus, in school A, a moderator, an editor, a site administrator
and a secretary. The clock is set to 10 November 2026, 12:00 Moscow time."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models import RoleGrant, User
from models.db import reading, transaction
from services.core import auth, clock
from tests.integration import world as access_world
from tests.integration.world import NOW

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 10, 12, 0, tzinfo=MSK)


def build():
    clock.set_now(START)
    w = access_world.build()
    a = w.schools["A"]
    with transaction() as tx:
        for label, role in (("moderator", "moderator"), ("editor", "editor"), ("site_admin", "site_admin"),
                            ("secretary", "secretary")):
            u = User(login=f"{label}_a", last_name=label.capitalize(), first_name="Тест", created_at=NOW)
            tx.add(u)
            tx.flush()
            tx.add(RoleGrant(user_id=u.id, role=role, school_id=a.id, granted_at=NOW))
            a.users[label] = u.id
    return w


def actor(user_id: int):
    with reading() as tx:
        return auth.load_actor(tx, user_id)
