"""The security headers of deploy/nginx.conf (issue 13, item 2.12): the Content-Security-Policy
allows exactly the inline scripts the portal runs (by their SHA-256), no outside origin, and no
framing; the other headers are there. tests/e2e/test_deploy_nginx.py checks them on the wire and
in Chromium."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import streamlit

from services.core import config
from ui import web

NGINX = config.ROOT / "deploy" / "nginx.conf"


def headers() -> dict[str, str]:
    text = NGINX.read_text(encoding="utf-8")
    found = re.findall(r'^\s*add_header\s+(\S+)\s+"([^"]*)"\s+always;', text, re.M)
    return {name.lower(): value for name, value in found}


def csp() -> dict[str, list[str]]:
    policy = headers()["content-security-policy"]
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_every_inline_script_of_the_portal_is_allowed_by_its_hash_and_no_other():
    index = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    inline = re.findall(r"<script>(.*?)</script>", index, re.S)
    wanted = {sha(body) for body in inline} | {sha(script) for script in web.inline_scripts()}
    allowed = csp()["script-src"]
    missing = wanted - set(allowed)
    assert not missing, f"put these hashes into script-src of deploy/nginx.conf: {sorted(missing)}"
    # WebAssembly may be compiled (long.js in Streamlit's bundle tries it); JavaScript's eval may not
    assert set(allowed) == {"'self'", "'wasm-unsafe-eval'"} | wanted, "script-src allows more than the portal's own"
    # the cookie line is that script with the cookie in an attribute: its text is always the same
    assert web.COOKIE_JS in web._cookie_script("tok_-en", 60)
    assert 'data-cookie="portal_session=tok_-en; Path=/; Max-Age=60; SameSite=Strict' in web._cookie_script("tok_-en", 60)


def test_the_policy_names_no_outside_origin_and_forbids_framing():
    policy = csp()
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    for directive, sources in policy.items():
        for source in sources:
            assert source in ("'self'", "'none'", "'unsafe-inline'", "'wasm-unsafe-eval'", "data:", "blob:") \
                or source.startswith("'sha256-"), (directive, source)
        if directive != "style-src":
            assert "'unsafe-inline'" not in sources, directive
    assert "'unsafe-eval'" not in headers()["content-security-policy"].split()


def test_the_other_headers():
    h = headers()
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] in ("no-referrer", "same-origin")


def test_every_inline_script_in_the_code_is_listed_for_the_policy():
    """Scripts reach a page only through ui/web.py (the cookie line and the unsaved-edits
    guard, both in web.inline_scripts()): any other st.html(..., unsafe_allow_javascript=True)
    would be blocked by the Content-Security-Policy in production."""
    found = {}
    for path in sorted([*config.ROOT.glob("pages/**/*.py"), *config.ROOT.glob("ui/**/*.py"),
                        *config.ROOT.glob("services/**/*.py"), config.ROOT / "app.py"]):
        n = path.read_text(encoding="utf-8").count("unsafe_allow_javascript=True")
        if n:
            found[str(path.relative_to(config.ROOT))] = n
    assert found == {"ui/web.py": len(web.inline_scripts())}, found
