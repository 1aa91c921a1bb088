"""«Архив учебного года» lists the archives made before (issue 15: closing a year makes one)."""
from __future__ import annotations

from services.core.actor import SYSTEM
from services.planning import calendar
from tests.ui.conftest import render_page


def test_the_archive_screen_lists_saved_archives(world, monkeypatch, tmp_path):
    calendar.create_year(SYSTEM, world.school_id, 2026)
    folder = tmp_path / "archives"
    folder.mkdir()
    (folder / f"archive_school{world.school_id}_2026-2027.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (folder / f"archive_school{world.other_school_id}_2026-2027.zip").write_bytes(b"PK")  # another school's
    monkeypatch.setenv("PORTAL_ARCHIVE_DIR", str(folder))
    at = render_page(monkeypatch, "pages.reports.archive_year", world.ids["admin1"], world.school_id)
    assert not at.exception, at.exception
    names = "\n".join(m.value for m in at.markdown).replace("\\", "")  # file names are escaped (web.md)
    assert f"archive_school{world.school_id}_2026-2027.zip" in names
    assert f"archive_school{world.other_school_id}_" not in names
    assert [d.proto.label for d in at.get("download_button")] == ["Скачать"]
