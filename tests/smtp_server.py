"""A real local SMTP server for the tests (aiosmtpd in a thread): letters are read back from it.

    with smtp_server() as inbox:          # inbox.port, inbox.letters (email.message.EmailMessage)
        ...
        inbox.refuse = "550 5.1.1 Нет такого ящика"   # refuse the next recipients with this reply
        inbox.login = ("school", "Pa55-word")           # demand AUTH with these (None: no AUTH)
"""
from __future__ import annotations

import email
import socket
import time
from contextlib import contextmanager
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.letters: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: str | None = None
        self.login: tuple[str, str] | None = None
        self.port = 0

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        if self.login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.letters.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                     policy=policy.default))
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (self.login is not None and isinstance(auth_data, LoginPassword)
              and (auth_data.login.decode(), auth_data.password.decode()) == self.login)
        return AuthResult(success=ok, handled=False)

    # reading back
    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.letters if address.lower() in str(m["To"]).lower()]

    def wait(self, count: int, timeout: float = 10) -> None:
        end = time.monotonic() + timeout
        while len(self.letters) < count and time.monotonic() < end:
            time.sleep(0.05)


def text_of(letter: email.message.EmailMessage) -> str:
    return letter.get_body(preferencelist=("plain",)).get_content()


def html_of(letter: email.message.EmailMessage) -> str:
    return letter.get_body(preferencelist=("html",)).get_content()


@contextmanager
def smtp_server():
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, authenticator=inbox.authenticate,
                            auth_required=False, auth_require_tls=False)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
