"""Writes docs/architecture.md from the code: `python -m tools.architecture` (after moving or adding
a module, or citing a requirement); `python -m tools.architecture --check` exits 1 when the
committed page differs from what the code says now (tests/unit/test_architecture_doc.py runs it).

What it reads, without running the portal: the docstrings of the packages of services/ and ui/,
the modules in them, the screens of pages/ with their addresses (the registry of ui/web.py), the
imports between the packages of services/ (tools/imports.py), and the requirement ids R-… of
docs/requirements.md (a copy of SPEC.md's list) cited in the docstrings and comments of the code
and of the tests.
"""
from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

from tools import imports

ROOT = imports.ROOT
DOC = ROOT / "docs" / "architecture.md"
REQUIREMENTS = ROOT / "docs" / "requirements.md"
COMMAND = "python -m tools.architecture"
ID = re.compile(r"\bR-[A-Z]+-\d+\b")
CODE = ("app.py", "manage.py", "services", "ui", "pages", "importers", "exporters", "checks", "models")
TESTS = ("tests",)

PICTURE = """\
```
browser ─▶ app.py ─▶ pages/<section>/ ─▶ ui/ ───────▶ services/<package>/ ─▶ models/ ─▶ SQLite | PostgreSQL
           (menu:    (one screen         (Streamlit   (policy, rules, audit,   (SQLModel
           ui/web)    per file)           glue)        one transaction each)    tables)
manage.py (CLI, cron) ──────────────────────────────▶ services/
                                        services/ ──▶ importers/  (Excel in: parsed, checked rows)
                               services/, pages/  ──▶ exporters/  (PDF and XLSX out)
                       services/control/, pages/  ──▶ checks/     (indicators, control plan: SQL
                                                                   over a DuckDB snapshot)
migrations/ (Alembic, one line of revisions) ──▶ the same schema on SQLite and PostgreSQL
```"""

LAYER_RULES = """\
Arrows point the way imports go; nothing imports against them. `tests/unit/test_layers.py` reads the
imports with `ast` (at the top of a module and inside functions alike) and fails when a service
imports streamlit, `ui/` or `pages/`; when a page imports models, sqlmodel, sqlalchemy or a
database driver (a page asks a service); when `ui/` imports `pages/`; when `services/core/`
imports another capability; when `services/rules/` reaches a database or another service; and on
any circle between the modules of `services/`. A circle is cut by moving the piece both sides need
down into a module of its own (`journal/edits.py`, `people/accounts.py`, `planning/years.py`,
`rules/names.py`), or the composite up (`setup/new_school.py`), never by an import inside a
function."""

OTHER_FOLDERS = (
    ("app.py", "sign-in and the role menu (st.navigation from ui/web.py), nothing else"),
    ("manage.py", "the command line: the same services for administrators and cron jobs"),
    ("models/", "SQLModel tables, one module per area; db.py makes engines and sessions"),
    ("migrations/", "Alembic revisions, one line (`init-db` upgrades to `head`)"),
    ("importers/", "Excel and CSV in: a declarative spec per import type, every row checked"),
    ("exporters/", "printable PDF (fpdf2) and XLSX (openpyxl) sheets"),
    ("checks/", "indicators and control-plan checks: SQL run by DuckDB over the analytics snapshot"),
    ("data/", "the demo generator; the default database file (not in git)"),
    ("deploy/", "nginx, systemd units, the environment file's sample"),
    ("bench/", "benchmarks, each printing its figures and its target"),
    ("tools/", f"developers' commands that read the code (`{COMMAND}` writes this page)"),
    ("tests/", "unit/ (pure rules, the layout), integration/ (real SQLite and PostgreSQL), ui/ (AppTest), "
               "e2e/ (Chromium)"),
)


def first_paragraph(text: str | None) -> str:
    return " ".join((text or "").strip().split("\n\n")[0].split())


def docstring(path: Path) -> str:
    return first_paragraph(ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ---------------------------------------------------------------------------- requirements
def requirements() -> dict[str, str]:
    """R-id → its text (docs/requirements.md: «- R-XXX-n text», continued on indented lines)."""
    found: dict[str, str] = {}
    current = None
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^- (R-[A-Z]+-\d+) (.*)$", line)
        if m:
            current = m.group(1)
            found[current] = m.group(2).strip()
        elif current and line.startswith("  ") and line.strip():
            found[current] += " " + line.strip()
        else:
            current = None
    return found


def _texts(path: Path):
    """The comments and string literals (docstrings among them) of a Python file."""
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.STRING):
            yield token.string


def cited(folders) -> dict[str, list[str]]:
    """R-id → the files (relative paths, sorted) whose docstrings or comments cite it."""
    out: dict[str, set[str]] = {}
    for folder in folders:
        base = ROOT / folder
        paths = [base] if base.suffix == ".py" else sorted(base.rglob("*.py"))
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            for text in _texts(path):
                for rid in ID.findall(text):
                    out.setdefault(rid, set()).add(rel(path))
    return {rid: sorted(paths) for rid, paths in out.items()}


# ---------------------------------------------------------------------------- the packages
def _packages(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).iterdir() if p.is_dir() and (p / "__init__.py").is_file())


def _module_names(package: Path) -> str:
    names = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    return ", ".join(f"`{n}`" for n in names)


def _screens() -> dict[str, tuple[str, str]]:
    """pages/… file → (address, title) of the registry in ui/web.py."""
    from ui import web
    out = {}
    for spec in (*web.PAGES, web.SIGN_IN):
        if spec.file:
            out[spec.file] = (spec.key, spec.title)
        else:
            module = spec.render.split(":")[0]
            out.setdefault(module.replace(".", "/") + ".py", (spec.key, spec.title))
    return out


def package_dependencies() -> dict[str, list[str]]:
    """services package → the other packages of services/ its modules import."""
    def package(module: str) -> str:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 else module
    out: dict[str, set[str]] = {}
    for source, found in imports.graph("services").items():
        if source == "services":
            continue
        mine = package(source)
        out.setdefault(mine, set()).update(package(i.target) for i in found if package(i.target) != mine)
    return {p: sorted(d) for p, d in sorted(out.items())}


def render() -> str:
    out = ["# Architecture", "",
           f"Generated by `{COMMAND}` from the code, `docs/requirements.md` and the tests; "
           "`tests/unit/test_architecture_doc.py` fails when this page is stale. Do not edit it by hand: "
           "change the code (a package's docstring, a module, a citation of a requirement) and run the "
           "command again.", "",
           "## Layers", "", PICTURE, "", LAYER_RULES, ""]

    out += ["## services/ — the capabilities", "",
            "Rules and use cases, one package per capability, the same words as the menu's sections and "
            "SPEC.md. A service asks the policy (`services/core/policy.py`: who may do what, in one place), "
            "does its work in one transaction with the audit row beside the change, and returns plain values.",
            ""]
    for package in _packages("services"):
        out.append(f"- **`services/{package.name}/`** — {docstring(package / '__init__.py')} "
                   f"Modules: {_module_names(package)}.")
    out += ["", "Which package imports which (every import of their modules). Packages may need each other "
            "(a saved mark queues the family's letter in `comms`, a correction request fixes the mark through "
            "`journal`); modules may not (see above).", "", "| package | imports |", "|---|---|"]
    for package, deps in package_dependencies().items():
        out.append(f"| `{package}` | {', '.join(f'`{d}`' for d in deps) or '—'} |")

    out += ["", "## ui/ — the Streamlit glue", "", f"{docstring(ROOT / 'ui' / '__init__.py')}", ""]
    for path in sorted((ROOT / "ui").glob("*.py")):
        if path.stem != "__init__":
            out.append(f"- `ui/{path.name}` — {docstring(path)}")

    out += ["", "## pages/ — one screen per file", "",
            "A folder per section of the menu. The address is the registry's (`ui/web.py`, `PAGES`), "
            "not the file's name, so moving a file keeps every bookmark; `pages/public.py` stays at the "
            "top because there its name is its address (Streamlit routes the first request after a start "
            "by the files of `pages/`).", ""]
    screens = _screens()
    for section in sorted(p for p in (ROOT / "pages").iterdir() if p.is_dir() and p.name != "__pycache__"):
        out.append(f"- **`pages/{section.name}/`**")
        for path in sorted(section.glob("*.py")):
            key, title = screens.get(rel(path), ("", ""))
            where = f"`/{key}` «{title}»" if key else docstring(path)
            out.append(f"  - `{path.name}` — {where}")
    for path in sorted((ROOT / "pages").glob("*.py")):
        out.append(f"- `pages/{path.name}` — {docstring(path)}")

    out += ["", "## Beside the layers", ""]
    out += [f"- `{name}` — {text}" for name, text in OTHER_FOLDERS]

    reqs = requirements()
    in_code, in_tests = cited(CODE), cited(TESTS)
    out += ["", "## Requirements → modules → tests", "",
            "Each id of `docs/requirements.md` (SPEC.md's list) with the modules and the tests whose "
            "docstrings or comments cite it.", "", "| id | requirement | modules | tests |", "|---|---|---|---|"]
    for rid, text in reqs.items():
        short = text.split(". ")[0].rstrip(".")
        short = short if len(short) <= 90 else short[:87].rstrip() + "…"
        modules = "<br>".join(f"`{p}`" for p in in_code.get(rid, ())) or "—"
        tests = "<br>".join(f"`{p}`" for p in in_tests.get(rid, ())) or "—"
        out.append(f"| {rid} | {short} | {modules} | {tests} |")
    unknown = sorted((set(in_code) | set(in_tests)) - set(reqs))
    no_module = [rid for rid in reqs if rid not in in_code]
    no_test = [rid for rid in reqs if rid not in in_tests]
    out += ["", f"Cited by no module: {', '.join(no_module) or 'none'}.", "",
            f"Cited by no test: {', '.join(no_test) or 'none'}."]
    if unknown:
        out += ["", f"Cited but not in docs/requirements.md: {', '.join(unknown)}."]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if DOC.read_text(encoding="utf-8") != text:
            print(f"docs/architecture.md is stale: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {rel(DOC)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
