"""«Первая неделя» (the administrator; the director sees it): what the school still has to set up
before it can teach, each line done or what exactly is missing, with a link to the screen that
fixes it and the command that does the same. The list is services/setup/status.py."""
from __future__ import annotations

import streamlit as st

from services.core.policy import AccessDenied
from services.setup import status as setup_status
from ui import web


def render(actor, school_id: int) -> None:
    st.title("Первая неделя")
    try:
        lines = setup_status.checklist(actor, school_id)
    except AccessDenied as e:
        st.error(str(e))
        return
    done = sum(1 for line in lines if line.done)
    st.progress(done / len(lines), text=f"{setup_status.summary(lines)} Список сверху вниз — в том порядке, "
                                        "в котором школу удобно настраивать.")
    specs = {spec.key: spec for spec in web.PAGES}
    for number, line in enumerate(lines, start=1):
        mark, state, link = st.columns([0.05, 0.61, 0.34], vertical_alignment="center")
        mark.markdown(":green[:material/check_circle:]" if line.done else ":orange[:material/radio_button_unchecked:]")
        with state:
            st.markdown(f"**{number}. {web.md(line.title)}** — {web.md(line.detail)}")
            if line.command and not line.done:
                st.caption(f"`{line.command}`")
        spec = specs.get(line.page)
        ref = web.page_ref(spec) if spec is not None and spec.visible(actor, school_id, None) else None
        if ref is not None:  # in-app navigation to the screen that fixes the line
            link.page_link(ref, label=f"Открыть «{web.md(spec.title)}»", icon=spec.icon)
