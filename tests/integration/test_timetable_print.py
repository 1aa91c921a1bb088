"""The whole school's timetable on one printable page: one A3 page with every class as a column
and each lesson's subject and room, read back with pdftotext; somebody without a role may not print it."""
from __future__ import annotations

import subprocess
from datetime import date

import pytest

from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.planning import timetable, timetable_print
from services.planning.timetable import SlotRow
from tests.integration import timetable_world
from tests.integration.timetable_world import rows_5a


@pytest.fixture
def w(sqlite_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    world = timetable_world.build()
    admin = world.actor("admin")
    timetable.save_class(admin, world.classes["5А"], rows_5a(world), date(2026, 9, 1))
    timetable.save_class(admin, world.classes["6А"], [SlotRow(1, 2, world.subjects["math"], world.staff["sub"], "44")],
                         date(2026, 9, 1))
    return world


def text_of(pdf: bytes, tmp_path) -> tuple[int, str]:
    path = tmp_path / "school.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return pages, subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                 check=True).stdout


def test_the_whole_school_prints_on_one_page(w, tmp_path):
    pdf = timetable_print.school_pdf(w.actor("deputy5"), w.school_id, date(2026, 11, 16), "Школа № 1")
    pages, text = text_of(pdf, tmp_path)
    assert pages == 1
    assert "Расписание уроков на 16.11.2026 (2026/2027 учебный год)" in text
    for name in ("5А", "5Б", "6А"):
        assert name in text
    assert "44" in text and "10" in text                  # rooms of 6А and of 5А's mathematics
    with pytest.raises(AccessDenied):
        timetable_print.school_pdf(Actor(user_id=0, login="nobody", name="Никто"), w.school_id)
