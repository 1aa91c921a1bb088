"""Sign-in through ЕСИА (OpenID Connect, R-ACC-2) in AppTest: AppTest seeds `st.user` as Streamlit does
after the provider sent the browser back, and `secrets` with the [auth] section. The browser
round trip itself is tested in tests/e2e against a mock provider."""
from __future__ import annotations

import time
import uuid

from sqlmodel import select

from models import User
from models.db import reading
from tests.ui.conftest import button, menu, sign_in

SECRETS = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 40,
                    "esia": {"client_id": "portal", "client_secret": "secret",
                             "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}}


def identity(email: str, *, age: int = 0, sub: str | None = None) -> dict:
    """What st.user holds after the provider's callback: the ID token's claims."""
    return {"is_logged_in": True, "provider": "esia", "origin": "http://localhost:8501",
            "sub": sub or f"esia-{uuid.uuid4().hex[:8]}", "email": email, "email_verified": True,
            "iat": int(time.time()) - age, "exp": int(time.time()) + 3600}


def subject(login: str) -> str | None:
    with reading() as tx:
        return tx.exec(select(User.oidc_subject).where(User.login == login)).one()


def test_the_sign_in_page_offers_esia_when_configured(app):
    app.secrets = SECRETS
    app.run()
    assert [b.label for b in app.button] == ["Войти", "Войти через ЕСИА"]


def test_back_from_the_provider_the_account_is_found_by_email_and_linked(app):
    app.secrets = SECRETS
    claims = identity("teacher1@test.local")
    app.user = claims
    app.run()
    assert not app.exception, app.exception
    assert "**Иванова Мария**" in [m.value for m in app.sidebar.markdown]
    assert "Мой профиль" in menu(app)
    assert subject("teacher1") == claims["sub"]
    app.switch_page("pages/account/my_profile.py").run()
    assert any(s.value.startswith("Вход через ЕСИА привязан") for s in app.success)


def test_an_identity_signs_in_once_and_only_while_fresh(world, app):
    from streamlit.testing.v1 import AppTest
    from tests.ui.conftest import ROOT
    claims = identity("teacher1@test.local")
    app.secrets, app.user = SECRETS, claims
    app.run()
    assert "portal_token" in app.session_state
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    again.secrets, again.user = SECRETS, claims  # the same identity in a new browser session
    again.run()
    assert "portal_token" not in again.session_state and [t.value for t in again.title] == ["Школьный портал"]
    stale = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    stale.secrets, stale.user = SECRETS, identity("director1@test.local", age=3600)
    stale.run()
    assert "portal_token" not in stale.session_state and not stale.error
    assert subject("director1") is None


def test_an_unknown_identity_is_refused_with_the_reason(app):
    app.secrets, app.user = SECRETS, identity("stranger@example.org")
    app.run()
    assert [e.value for e in app.error] == [
        "Учётная запись для этого входа через ЕСИА не найдена. Обратитесь к администратору школы."]
    assert "portal_token" not in app.session_state


def test_a_lingering_identity_is_not_attached_to_the_next_password_sign_in(app):
    app.secrets = SECRETS
    sign_in(app, "teacher1")
    app.user = identity("stranger@example.org")
    app.run()
    assert subject("teacher1") is None
    assert "**Иванова Мария**" in [m.value for m in app.sidebar.markdown]


def test_linking_from_the_profile(app):
    app.secrets = SECRETS
    sign_in(app, "teacher1")
    app.switch_page("pages/account/my_profile.py").run()
    button(app, "Привязать вход через ЕСИА").click()
    app.run()  # st.login sends the browser to the provider…
    claims = identity("another-address@example.org")
    app.user = claims  # …which sends it back with an identity whose e-mail is not the portal's
    app.run()
    assert not app.exception, app.exception
    assert subject("teacher1") == claims["sub"]
    assert "Вход через ЕСИА привязан к вашей учётной записи." in [s.value for s in app.success]
