"""The Streamlit glue between the pages and the services: who is signed in, the session cookie and
the menu (web.py), and the parts that several screens or one long screen share (*_ui.py, panels,
tabs). Pages import ui and services; services never import ui or streamlit."""
