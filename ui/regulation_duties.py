"""A block of the director's dashboard: what the regulation still asks of the school (services/control/duties.py)."""
from __future__ import annotations

import streamlit as st

from services.control import duties
from services.core import policy
from services.core.actor import Actor

SCREENS = {"control": "«Внутришкольный контроль»", "required-docs": "«Документы о журнале»",
           "archive": "«Архив учебного года»"}


def render(actor: Actor, school_id: int) -> None:
    if not policy.allowed(actor, "control.run", policy.Target(school_id=school_id)):
        return
    found = duties.open_duties(actor, school_id)
    if not found:
        st.success("Положение об электронном журнале: проверки записаны, документы утверждены, архивы сделаны.")
        return
    with st.container(border=True, key="duties"):
        st.subheader("По положению об электронном журнале не сделано", anchor=False)
        for d in found:
            text = d.text if d.text.endswith(".") else f"{d.text}."
            st.warning(f"п. {d.clause}: {text} Где исправить: {SCREENS[d.page]}.")
