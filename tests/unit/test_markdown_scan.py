"""Issue 13, section 3: text typed by people reaches Streamlit's markdown only through the one
escaping helper, `ui.web.md`. This scan reads the screens (pages/, app.py, ui/web.py)
and fails when a call that renders markdown (st.markdown, st.caption, st.subheader, st.info …,
the labels of buttons, expanders, tabs, download buttons, page links, `web.notify`, and every
`help=` tooltip, st.column_config's included) shows a
field that holds user text (a title, a name, a body, a reason, a file name …) outside `md(...)`.

What it cannot see: user text in a plain local variable (`label = row.title`, then
`st.button(label)`) or inside a service's error message; the AppTest and browser tests cover
the screens that show such titles (tests/ui/test_hostile_titles.py,
tests/e2e/test_markdown_escape_browser.py)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "pages").rglob("*.py")) + sorted((ROOT / "ui").glob("*.py")) + [ROOT / "app.py"]
MARKDOWN_CALLS = {"markdown", "caption", "subheader", "header", "title", "info", "warning", "error", "success",
                  "toast", "expander", "button", "download_button", "form_submit_button", "toggle", "checkbox",
                  "popover", "tabs", "page_link", "link_button", "radio", "metric", "write", "status", "notify"}
# fields of the read models that hold what people typed (or uploaded)
USER_TEXT = {"title", "name", "body", "text", "topic", "reason", "hidden_reason", "with_whom", "sender", "author",
             "attachment_name", "file_name", "pupil", "class_teacher", "comment", "school", "subject_name",
             "class_name", "teacher", "full_name", "description", "homework", "what", "where", "resolution",
             "login", "email", "short_name", "thread_title", "note",
             "help"}                                   # the journal's column tooltips carry lesson topics
# (file, expression): fields that hold the portal's own words, not user text
OURS = {
    ("pages/admin/school_settings.py", "INFO['edit_window'].title"),   # the settings' own titles
    ("pages/people/users_roles.py", "g.title"),                           # role titles (services/core/roles.py)
    ("pages/admin/system_health.py", "info.path.name"),                  # backup files the portal names
    ("pages/admin/system_health.py", "Path(h.last_backup_path).name"),
    ("pages/control/indicators_dashboard.py", "row.name"),                 # indicator names (checks/ registry)
    ("pages/journal/pupil_diary.py", "day.title"),                         # «Понедельник, 1 сентября»
    ("pages/admin/school_settings.py", "info.help"),                     # the settings' own help texts
    ("pages/admin/school_settings.py", "INFO[name].help"),
    ("pages/admin/school_settings.py", "INFO['edit_window'].help"),
    ("pages/admin/school_settings.py", "INFO['timezone'].help"),
    ("pages/admin/school_settings.py", "INFO['period_type'].help"),
    ("pages/control/indicators_dashboard.py", "p.help"),                   # the indicators' parameters
}


def _shown(node: ast.AST):
    """The parts of an argument whose text ends up on the screen."""
    if isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                yield from _shown(value.value)
    elif isinstance(node, ast.BinOp):
        yield from _shown(node.left)
        yield from _shown(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _shown(node.body)
        yield from _shown(node.orelse)
    elif isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        yield from _shown(node.elt)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for elt in node.elts:
            yield from _shown(elt)
    elif isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "md":
            return
        if name == "join":
            for arg in node.args:
                yield from _shown(arg)
        elif name in ("strip", "lower", "upper", "capitalize", "replace") and isinstance(func, ast.Attribute):
            yield from _shown(func.value)
        else:
            yield node
    else:
        yield node


def _user_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Attribute) and node.attr in USER_TEXT


def _arguments(call: ast.Call) -> list[ast.AST]:
    name = call.func.attr
    if name == "notify":
        return call.args[1:2]
    return call.args[:1] + [k.value for k in call.keywords if k.arg in ("label", "body", "help")]


def _renders_markdown(call: ast.AST) -> bool:
    """A Streamlit call that renders markdown, or any call with a `help=` tooltip (widgets and
    st.column_config columns: tooltips render markdown too)."""
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and (
        call.func.attr in MARKDOWN_CALLS or any(k.arg == "help" for k in call.keywords))


def findings(path: Path, source: str) -> list[str]:
    rel = path.relative_to(ROOT).as_posix() if path.is_absolute() else str(path)
    out = []
    for call in ast.walk(ast.parse(source)):
        if not _renders_markdown(call):
            continue
        for argument in _arguments(call) if call.func.attr in MARKDOWN_CALLS else \
                [k.value for k in call.keywords if k.arg == "help"]:
            for part in _shown(argument):
                text = ast.unparse(part)
                if _user_text(part) and (rel, text) not in OURS:
                    out.append(f"{rel}:{call.lineno}: {call.func.attr}(… {text} …)")
    return out


def test_user_text_reaches_markdown_only_through_md():
    found = [f for path in FILES for f in findings(path, path.read_text(encoding="utf-8"))]
    assert found == [], "wrap these in web.md(): " + "; ".join(found)


def test_the_scan_finds_what_it_should():
    bad = ('st.subheader(view.title)\nst.button(f"{r.title} — {r.with_whom}")\n'
           'st.expander(f"{d.title}" + ("" if d.published else " (черновик)"))\n'
           'web.notify("success", f"«{d.title}»: снят")\nst.error("; ".join(p.text() for p in errors))\n'
           'st.download_button(f"{m.attachment_name} (1 КБ)", data=b"")\nst.caption(names[pupil].name.strip())\n'
           'st.column_config.TextColumn(c, help=view.help[c])')
    assert len(findings(Path("pages/x.py"), bad)) == 9
    good = ('st.subheader(web.md(view.title))\nst.button(f"{web.md(r.title)} — {md(r.with_whom)}")\n'
            'st.expander(web.md(d.title) + ("" if d.published else " (черновик)"))\n'
            'st.caption(f"Тем: {detail.info.topics}")\nst.dataframe(frame.title)\nst.error(str(e))')
    assert findings(Path("pages/x.py"), good) == []
