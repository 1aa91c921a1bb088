"""A page for tests/e2e/test_markdown_escape_browser.py: hostile texts through `web.md` in every
kind of element that renders markdown, and one raw link as the control."""
from __future__ import annotations

import streamlit as st

from ui.web import md

HOSTILE = ["![x](http://evil.example/x.png)", "[ссылка](http://evil.example/page)",
           "<img src=http://evil.example/i.png>", "http://evil.example/bare", "www.evil.example",
           "a@evil.example", "<http://evil.example/auto>", "[a][r]\n\n[r]: http://evil.example/ref",
           "**жирно** :red[красное] :material/home: $x^2$ # заголовок"]

st.markdown("[control](http://control.example/)")  # raw: the control that links are seen
tabs = st.tabs([md(h) for h in HOSTILE])
for i, text in enumerate(HOSTILE):
    safe = md(text)
    st.markdown(safe)
    st.caption(safe)
    st.subheader(safe)
    st.info(safe)
    st.warning(safe)
    st.button(safe, key=f"b{i}")
    st.download_button(safe, data=b"x", key=f"d{i}", on_click="ignore")
    st.toggle(safe, key=f"t{i}")
    with st.expander(safe):
        st.write("·")
    with tabs[i]:
        st.write("·")
st.write("готово")
