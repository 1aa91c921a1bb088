"""Ids in the address go through one helper (web.query_id, rules/ids.py): a huge or malformed
?pupil= no longer raises OverflowError, it is ignored with a warning (issue 13, item 11)."""
from __future__ import annotations

from tests.ui.conftest import LOGINS
from tests.ui.test_demo_menus import open_app


def test_a_huge_or_malformed_pupil_id_in_the_address_is_ignored_with_a_warning(demo_url):
    for raw in ("99999999999999999999999", "-5", "1e3", "٣", " 0"):
        at = open_app(LOGINS["parent"]["login"])
        at.query_params["pupil"] = raw
        at.run()
        assert not at.exception, (raw, at.exception)
        assert any("Ссылка неверна" in w.value for w in at.warning), raw
        assert [t.value for t in at.title] == ["Дневник"] and at.subheader  # the own child's diary
