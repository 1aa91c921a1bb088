"""Every demo login signs in, gets the menu the policy gives its role, and every page of that
menu renders on the demo school without an exception or an error box."""
from __future__ import annotations

import pytest
import streamlit.config
from streamlit.testing.v1 import AppTest

from models.db import transaction
from services.comms.documents import PUBLIC_PATH
from services.core import auth
from services.core.actor import Actor
from ui import web
from tests.ui.conftest import LOGINS, ROOT, sign_in



def actor_of(login: str) -> Actor:
    with transaction() as tx:
        from sqlmodel import select
        from models import User
        user_id = tx.exec(select(User.id).where(User.login == login)).one()
        return auth.load_actor(tx, user_id)


def open_app(login: str) -> AppTest:
    streamlit.config.set_option("client.showErrorDetails", "full")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return sign_in(at, login, LOGINS[login]["password"])


@pytest.mark.parametrize("role", sorted(LOGINS))
def test_each_demo_login_sees_its_own_menu_and_every_page_renders(demo_url, role):
    login = LOGINS[role]["login"]
    at = open_app(login)
    actor = actor_of(login)
    specs = web.menu_specs(actor, web_school(actor), web_municipality(actor))
    expected = [spec.title for spec in specs]
    start = web.start_page(actor, specs)
    pages = {info.get("url_pathname"): page_hash for page_hash, info in at._registered_pages.items()}
    registered = list(at._registered_pages.values())
    twins = [info for info in registered if info.get("url_pathname") == start.key]
    # the school's public documents (issue 19) are registered, hidden, for everybody: not a menu item
    titles = [info.get("page_name") for info in registered if info not in twins
              and info.get("url_pathname") != PUBLIC_PATH]
    assert expected, f"{role}: an empty menu"
    assert titles == expected, f"{role}: menu {titles} != policy {expected}"
    # the start page is served at the root, and (hidden) at its own address too
    assert [t.get("page_name") for t in twins] == [start.title] and "" in pages
    for key, page_hash in pages.items():
        at._page_hash = page_hash  # open the page as a click in the menu would
        at.run()
        assert not at.exception, f"{role} /{key}: {[e.message for e in at.exception]}"
        errors = [e.value for e in at.error]
        assert not any("Недостаточно прав" in e for e in errors), f"{role} /{key}: {errors}"


def web_school(actor: Actor) -> int | None:
    ids = sorted(actor.school_ids())
    return ids[0] if ids else None


def web_municipality(actor: Actor) -> int | None:
    ids = sorted(actor.municipality_ids)
    return ids[0] if ids else None
