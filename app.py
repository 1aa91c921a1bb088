"""The portal's entry point: sign-in and the role menu, nothing else (DESIGN.md).

Who is signed in comes from ui/web.py (session token or cookie, then auth.resume); the
menu lists the pages whose action the policy grants to the actor's roles in the chosen school.
"""
import os

os.umask(0o077)  # what this process writes (database, backups, snapshot, archives) is the portal user's alone

import streamlit as st  # noqa: E402

from ui import web  # noqa: E402

actor = web.current_actor()
# an emoji icon is drawn by the browser (a data: SVG); a «:material/…:» favicon would be fetched from
# fonts.gstatic.com, an outside origin that the Content-Security-Policy (deploy/nginx.conf) refuses
st.set_page_config(page_title="Школьный портал", page_icon="🏫",
                   layout="wide" if actor is not None and not actor.must_change_password else "centered")

web.page_style()
mail_link = web.mail_link_requested()
if mail_link:  # the link of a letter (confirm an address, unsubscribe): no sign-in needed
    page = st.navigation(web.mail_link_pages(), position="hidden")
elif actor is None and web.first_run_needed():  # a real installation's first start (issue 15)
    page = st.navigation(web.first_run_pages(), position="hidden")
elif actor is None:
    page = st.navigation(web.sign_in_pages(), position="hidden")
elif actor.must_change_password:
    page = st.navigation(web.password_pages(), position="hidden")
else:
    page = st.navigation(web.menu(actor), expanded=True)

if actor is not None and not mail_link:
    web.sidebar(actor)
web.sync_cookie(actor)
try:
    page.run()
except Exception as error:  # recorded for «Состояние системы», then shown by Streamlit as usual
    web.page_failed(page, error, actor)
    raise
