"""Every page of every demo role, opened in Chromium through the menu: no «None», «nan» or
«NaT» on a screen, none of Streamlit's English, and no request to any address outside the portal
(the page icon, fonts and charts included)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.crawl import outside_requests, walk
from tests.e2e.test_diary_browser import sign_in

ROLES = ["admin", "editor", "moderator", "monitoring", "director", "deputy", "teacher", "class_teacher",
         "parent", "student", "secretary", "site_admin", "coordinator"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_reads_clean(page: Page, portal, role):
    page.set_viewport_size({"width": 1440, "height": 900})
    outside = outside_requests(page)
    sign_in(page, portal, role)
    visits = walk(page, role)
    assert visits, "the role has no menu"
    bad = [f"{v.title}: {b}" for v in visits for b in v.bad]
    assert not bad, "\n".join(bad)
    assert not outside, f"requests outside the portal: {sorted(set(outside))[:5]}"
