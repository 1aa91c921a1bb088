"""Issue 13, item 6: titles, names and file names typed by people reach Streamlit's markdown
(button labels, subheaders, expander labels, captions, warnings, download buttons, column
tooltips) only through `web.md`. A message, an announcement and a document titled with a remote
image, a link, HTML and a bare address are shown on every screen that lists them, and a lesson
topic in the journal's tooltip; no element of those screens carries markdown that a browser
would turn into an image or a link (the browser side of `web.md` is
tests/e2e/test_markdown_escape_browser.py)."""
from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

from models import Lesson
from models.db import transaction
from services.comms import documents, messages
from services.core.attachments import Upload
from ui.web import md
from tests.integration.comms_world import actor
from tests.ui.conftest import LOGINS, render_page
from tests.ui.test_demo_menus import actor_of, open_app
from tests.ui.test_journal_pages import default_grid
from tests.ui.test_messages_pages import uid, w  # noqa: F401  (the fixture: the comms world)

HOSTILE = ("![x](http://evil.example/x.png) [ссылка](http://evil.example/) "
           "<img src=http://evil.example/i.png> www.evil.example **жирно** :red[красное]")
FILE = "![x](x.png) [y](z).pdf"
# markdown that becomes an image, a link, an HTML element or an autolink once rendered
UNSAFE = re.compile(r"(?<!\\)\]\(|(?<!\\)<[a-z]|://|\bwww\.|@evil|(?<!\\):red", re.I)


def shown(at: AppTest) -> list[str]:
    """Every text of the screen that Streamlit renders as markdown."""
    texts = [b.label for b in at.button] + [e.label for e in at.expander] + [t.label for t in at.tabs]
    texts += [e.value for kind in ("markdown", "caption", "subheader", "header", "title", "warning", "info",
                                   "success", "error") for e in getattr(at, kind)]
    texts += [e.proto.label for e in at.get("download_button")] + [e.proto.label for e in at.get("page_link")]
    return [t for t in texts if t]


def screen(w, monkeypatch, render: str, label: str) -> list[str]:
    at = render_page(monkeypatch, render, uid(w, label), w.schools["A"].id)
    assert not at.exception, [e.message for e in at.exception]
    return shown(at)


def test_hostile_titles_render_as_text_on_every_screen_that_shows_them(w, monkeypatch):
    school = w.schools["A"].id
    pdf = Upload(FILE, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    messages.start_thread(actor(uid(w, "parent_of_pupil5_1")), school, uid(w, "class_teacher5"), HOSTILE, HOSTILE,
                          pdf)
    audiences = dict(messages.announcement_audiences(actor(uid(w, "class_teacher5")), school))
    messages.announce(actor(uid(w, "class_teacher5")), school, next(iter(audiences)), HOSTILE, HOSTILE, pdf)
    doc = documents.save(actor(uid(w, "editor")), school, HOSTILE, HOSTILE, "guardians", pdf)
    documents.set_published(actor(uid(w, "editor")), doc, True)

    screens = {
        "inbox of the recipient": screen(w, monkeypatch, "pages.comms.inbox:render", "class_teacher5"),
        "inbox of the sender": screen(w, monkeypatch, "pages.comms.inbox:render", "parent_of_pupil5_1"),
        "announcements": screen(w, monkeypatch, "pages.comms.announcements:render", "pupil5_1"),
        "documents of a parent": screen(w, monkeypatch, "pages.comms.documents:render", "parent_of_pupil5_1"),
        "documents of the editor": screen(w, monkeypatch, "pages.comms.documents:render", "editor"),
    }
    for name, texts in screens.items():
        assert any(md(HOSTILE) in t for t in texts), (name, texts)  # the title is there, escaped
        unsafe = [t for t in texts if UNSAFE.search(t)]
        assert unsafe == [], (name, unsafe)
    # the thread's title as a button (the list) and a subheader (the open thread); the document's as an expander
    inbox = render_page(monkeypatch, "pages.comms.inbox:render", uid(w, "class_teacher5"), school)
    assert any(b.label.startswith(md(HOSTILE)) for b in inbox.button)
    assert md(HOSTILE) in [s.value for s in inbox.subheader]
    assert any(md(FILE) in t for t in shown(inbox))
    docs = render_page(monkeypatch, "pages.comms.documents:render", uid(w, "parent_of_pupil5_1"), school)
    assert [e.label for e in docs.expander] == [md(HOSTILE)]


def test_a_hostile_lesson_topic_is_escaped_in_the_journal_column_tooltip(demo_url):
    """The journal's column tooltip (work type, weight, topic) renders markdown too."""
    login = LOGINS["teacher"]["login"]
    _, grid = default_grid(actor_of(login))
    with transaction() as tx:
        lesson = tx.get(Lesson, grid.columns[-1].lesson_id)
        lesson.topic = HOSTILE  # as data carried over from an older system could hold it
        tx.add(lesson)
    at = open_app(login)
    assert not at.exception, at.exception
    editors = [e for e in at.get("data_editor") if e.proto.columns]
    helps = [c.get("help", "") for e in editors for c in json.loads(e.proto.columns).values()]
    assert any(md(HOSTILE) in h for h in helps), helps
    assert [h for h in helps if UNSAFE.search(h)] == []
