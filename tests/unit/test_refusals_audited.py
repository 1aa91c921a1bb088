"""Every refusal leaves an audit event (issue 13, item 11): a refusal is raised only through
policy.require / require_account / refusal (or with an audit record, as messages._refuse does).
Scans the code: an AccessDenied made with a message alone, or a PermissionError, would be a
refusal nobody hears of."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("services", "pages", "importers", "exporters", "checks", "app.py", "manage.py")


def _files():
    for name in SCANNED:
        path = ROOT / name
        yield from ([path] if path.suffix == ".py" else sorted(path.rglob("*.py")))


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_no_refusal_is_raised_without_its_audit_record():
    offences = []
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            unaudited = (name == "AccessDenied" and len(node.args) + len(node.keywords) < 2
                         and rel != "services/core/policy.py") or name == "PermissionError"
            if unaudited:
                offences.append(f"{rel}:{node.lineno} {name}(...)")
    assert not offences, ("refusals without an audit event; raise policy.refusal(actor, action, target, message):\n"
                          + "\n".join(offences))
