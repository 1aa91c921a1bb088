"""The paper journal's buttons (issue 16, item 6) in AppTest on the demo school: the teacher gets
the PDF of the journal on screen (for the period and the year) and no whole-class PDF; the class
teacher gets the whole class on «Мой класс»."""
from __future__ import annotations

from tests.ui.conftest import LOGINS
from tests.ui.test_demo_menus import open_app


def _labels(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button") if b.proto.label.startswith("Журнал")]


def _open(at, url: str):
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == url)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_teacher_and_the_class_teacher_get_their_pdf_buttons(demo_url):
    labels = _labels(_open(open_app(LOGINS["teacher"]["login"]), "journal"))
    assert any(label.startswith("Журнал в PDF: ") for label in labels), labels
    assert "Журнал в PDF за год" in labels and not any("класса" in label for label in labels), labels
    labels = _labels(_open(open_app(LOGINS["class_teacher"]["login"]), "class"))
    assert "Журнал класса (все предметы) в PDF за год" in labels, labels
