"""The layers of docs/architecture.md, read from the code (tools/imports.py, `ast`; every import
counts, at the top of a module and inside a function alike):

    browser → app.py → pages/ → ui/ → services/ → models/

* A service never imports streamlit, ui/ or pages/: manage.py, cron jobs and tests call it the way
  a page does.
* A page holds no SQL: it imports no models, sqlmodel, sqlalchemy or database driver; it asks a
  service (ui/web.py, the Streamlit glue, reads the session's account and the menu's names itself).
* ui/ never imports pages/.
* services/core/ is the bottom of the services: it imports no other capability (only the rules).
* services/rules/ are pure functions: nothing there reaches a database or another service (the
  role names of services/core/roles.py are plain constants).
* No circle between the modules of services/: a circle is cut by moving the piece both sides
  need down into a module of its own, not by an import inside a function (which only delays it).
"""
from __future__ import annotations

from tools import imports

SQL = ("models", "sqlmodel", "sqlalchemy", "psycopg", "sqlite3", "duckdb")


def _top(name: str) -> str:
    return name.split(".")[0]


def _offences(folder: str, forbidden) -> list[str]:
    return [f"{source}:{i.line} imports {i.target}" for source, found in imports.all_imports(folder).items()
            for i in found if forbidden(i.target)]


def test_services_never_import_streamlit_ui_or_pages():
    assert not _offences("services", lambda t: _top(t) in ("streamlit", "ui", "pages"))


def test_pages_hold_no_sql():
    assert not _offences("pages", lambda t: _top(t) in SQL)


def test_ui_never_imports_pages():
    assert not _offences("ui", lambda t: _top(t) == "pages")


def test_core_imports_no_other_capability():
    assert not _offences("services/core", lambda t: _top(t) == "services"
                         and not t.startswith(("services.core", "services.rules")))


def test_rules_are_pure():
    def forbidden(target: str) -> bool:
        if _top(target) in SQL:
            return True
        return _top(target) == "services" and not target.startswith("services.rules") \
            and target != "services.core.roles"
    assert not _offences("services/rules", forbidden)


def test_no_circle_between_the_modules_of_services():
    edges = imports.graph("services")
    found = imports.circles(edges)
    lines = []
    for circle in found:
        lines.append(" ↔ ".join(circle))
        lines += [f"    {i.source}:{i.line} imports {i.target}{' (in a function)' if i.local else ''}"
                  for m in circle for i in edges[m] if i.target in circle]
    assert not found, "import circles between modules of services/:\n" + "\n".join(lines)


def test_the_graph_sees_circles_through_function_level_imports(tmp_path):
    package = tmp_path / "services"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from services import b\n")
    (package / "b.py").write_text("def f():\n    from services.a import g\n")
    (package / "c.py").write_text("import services.a\n")
    edges = imports.graph("services", root=tmp_path)
    assert imports.circles(edges) == [["services.a", "services.b"]]
    assert [(i.target, i.local) for i in edges["services.b"]] == [("services.a", True)]
