"""deploy/nginx.conf on loopback: nginx (TLS, a self-signed certificate) in front of two Streamlit
app processes that share one PostgreSQL database and one cookie secret.

A teacher signs in through nginx in Chromium and stays with one app process (the route cookie);
that process is then killed, and the reload lands on the other one, still signed in (the
session is kept in the database). A WebSocket from a foreign Origin, or with none, is refused by
nginx with 403; from the portal's own address it is upgraded. Without nginx the test is skipped,
or fails when REQUIRE_BROWSER=1 (.ci/run installs nginx-light).

The security headers (issue 13, 2.12) come from nginx on every answer, a refusal included; with
the Content-Security-Policy in force the app loads, a teacher signs in (the session cookie is
set by the one inline script the policy allows), a parent's diary draws its chart, and Chromium
reports no violation — while a script injected into the page is refused.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import _pg_available, _pg_exec, _pg_url
from tests.e2e.conftest import ROOT, _env, free_port, shot

pytestmark = pytest.mark.e2e
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
COOKIE_SECRET = "deploy-test-cookie-secret-0123456789abcdef0123456789abcdef"


def _need(what: str, ok: bool) -> None:
    if not ok:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{what} is required (REQUIRE_BROWSER=1) but missing")
        pytest.skip(f"{what} is missing")


def _tls() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _wait_ok(port: int, path: str, proc: subprocess.Popen, timeout: float = 90, tls: bool = False) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the process behind :{port} exited with {proc.returncode}"
        try:
            conn = (http.client.HTTPSConnection("localhost", port, context=_tls(), timeout=3) if tls
                    else http.client.HTTPConnection("127.0.0.1", port, timeout=3))
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f":{port}{path} did not answer")


def _upgrade(port: int, origin: str | None) -> int:
    """The status nginx answers to a WebSocket handshake for the Streamlit stream."""
    conn = http.client.HTTPSConnection("localhost", port, context=_tls(), timeout=10)
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}
    if origin is not None:
        headers["Origin"] = origin
    conn.request("GET", "/_stcore/stream", headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def _site(port: int, apps: list[int], cert: Path, key: Path) -> str:
    """deploy/nginx.conf with this machine's ports, address and certificate put in."""
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    origin = f"https://localhost:{port}"
    for old, new in (("server 127.0.0.1:8501 ", f"server 127.0.0.1:{apps[0]} "),
                     ("server 127.0.0.1:8502 ", f"server 127.0.0.1:{apps[1]} "),
                     ('"https://portal.example.ru" ours;', f'"{origin}" ours;'),
                     ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{port} ssl http2;\n"),
                     ("    listen [::]:443 ssl http2;\n", ""),
                     ("    listen 80;\n", f"    listen 127.0.0.1:{free_port()};\n"),
                     ("    listen [::]:80;\n", ""),
                     ("/etc/ssl/certs/school-portal.pem", str(cert)),
                     ("/etc/ssl/private/school-portal.key", str(key))):
        assert text.count(old) == 1, f"deploy/nginx.conf changed: {old!r} is not there once"
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def stack(tmp_path_factory, chromium_path):
    _need("nginx", NGINX is not None)
    _need("PostgreSQL at 127.0.0.1:5432", _pg_available())
    folder = tmp_path_factory.mktemp("deploy")
    name = f"portal_e2e_nginx_{uuid.uuid4().hex[:8]}"
    _pg_exec(f"CREATE DATABASE {name}")
    url = _pg_url(name)
    procs: list[subprocess.Popen] = []
    try:
        env = _env(DATABASE_URL=url, DEMO="1")  # the demo only where it is asked for (issue 15)
        subprocess.run([sys.executable, "manage.py", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
        done = subprocess.run([sys.executable, "manage.py", "demo", "--json", "--seed", "1"], cwd=ROOT, env=env,
                              check=True, capture_output=True, text=True)
        logins = json.loads(done.stdout.strip().splitlines()[-1])["logins"]
        cert, key = folder / "portal.pem", folder / "portal.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=localhost", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        apps = [free_port(), free_port()]
        for n, port in enumerate(apps):
            log = open(folder / f"app{n}.log", "wb")
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--browser.gatherUsageStats", "false", "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--server.fileWatcherType", "none"],
                cwd=ROOT, env={**env, "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET}, stdout=log, stderr=subprocess.STDOUT))
        port = free_port()
        (folder / "site.conf").write_text(_site(port, apps, cert, key), encoding="utf-8")
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "".join(f"    {k}_temp_path {folder / k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
            "daemon off;\nevents { worker_connections 256; }\nhttp {\n"
            "    log_format upstream 'route=$cookie_portal_route up=\"$upstream_addr\" $status \"$request\"';\n"
            f"    access_log {folder / 'access.log'} upstream;\n{temp}"
            f"    include {folder / 'site.conf'};\n}}\n", encoding="utf-8")
        checked = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        procs.append(subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        for app_port, proc in zip(apps, procs):
            _wait_ok(app_port, "/_stcore/health", proc)
        _wait_ok(port, "/_stcore/health", procs[-1], tls=True)
        yield {"port": port, "apps": apps, "procs": procs, "logins": logins, "url": url, "folder": folder}
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM if proc is not procs[-1] else signal.SIGQUIT)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        from models.db import dispose_all
        dispose_all()
        _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_foreign_origin_is_refused_at_nginx(stack):
    port = stack["port"]
    assert _upgrade(port, "https://evil.example") == 403
    assert _upgrade(port, f"https://localhost:{port}.evil.example") == 403
    assert _upgrade(port, None) == 403
    assert _upgrade(port, f"https://localhost:{port}") == 101
    # any other request that carries a foreign Origin (a cross-site upload, say) is refused too
    conn = http.client.HTTPSConnection("localhost", port, context=_tls(), timeout=10)
    conn.request("PUT", "/_stcore/upload_file/x/y", body=b"data", headers={"Origin": "https://evil.example"})
    assert conn.getresponse().status == 403
    conn.close()
    conn = http.client.HTTPSConnection("localhost", port, context=_tls(), timeout=10)
    conn.request("GET", "/_stcore/health")
    answer = conn.getresponse()
    assert answer.status == 200 and answer.read() == b"ok"
    assert "portal_route=" in (answer.getheader("Set-Cookie") or "")  # the route of a new browser


def _get(port: int, path: str, headers: dict | None = None, method: str = "GET") -> http.client.HTTPResponse:
    conn = http.client.HTTPSConnection("localhost", port, context=_tls(), timeout=10)
    conn.request(method, path, headers=headers or {})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    return answer


def _security_headers(answer: http.client.HTTPResponse) -> None:
    where = f"{answer.status} {answer.reason}"
    assert answer.getheader("X-Frame-Options") == "DENY", where
    assert answer.getheader("X-Content-Type-Options") == "nosniff", where
    assert answer.getheader("Referrer-Policy") in ("no-referrer", "same-origin"), where
    policy = {d.split()[0]: d.split()[1:] for d in (answer.getheader("Content-Security-Policy") or "").split(";")
              if d.strip()}
    assert policy.get("frame-ancestors") == ["'none'"] and policy.get("default-src") == ["'self'"], where
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], where
    own = {"'self'", "'none'", "'unsafe-inline'", "'wasm-unsafe-eval'", "data:", "blob:"}
    assert all(src in own or src.startswith("'sha256-") for sources in policy.values() for src in sources), \
        f"an outside origin: {policy}"


def test_security_headers_come_from_nginx_on_every_answer(stack):
    port = stack["port"]
    page = _get(port, "/")
    assert page.status == 200 and "text/html" in page.getheader("Content-Type")
    _security_headers(page)
    script = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', _html(port))[1]
    for answer in (_get(port, "/" + script), _get(port, "/_stcore/health"),
                   _get(port, "/", {"Origin": "https://evil.example"}),          # refused by nginx: 403
                   _get(port, "/no/such/page")):
        _security_headers(answer)
    assert _get(port, "/", {"Origin": "https://evil.example"}).status == 403


def _html(port: int) -> str:
    conn = http.client.HTTPSConnection("localhost", port, context=_tls(), timeout=10)
    conn.request("GET", "/")
    text = conn.getresponse().read().decode("utf-8")
    conn.close()
    return text


class CspWatch:
    """What Chromium says about the Content-Security-Policy: its console lines and the
    securitypolicyviolation events of the current document."""
    SCRIPT = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
              "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));")

    def __init__(self, context):
        self.console: list[str] = []
        context.add_init_script(self.SCRIPT)
        context.on("console", lambda msg: self.console.append(msg.text))

    def violations(self, page) -> list[str]:
        lines = [t for t in self.console if "Content Security Policy" in t or "Refused to" in t]
        return lines + page.evaluate("window.__csp || []")

    def assert_none(self, page) -> None:
        found = self.violations(page)
        assert not found, f"CSP violations: {found}"


def _sign_in(stack, browser, role: str):
    """A new browser context watched for CSP violations, signing in as `role` through nginx."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU", ignore_https_errors=True)
    watch = CspWatch(context)
    page = context.new_page()
    page.set_default_timeout(45_000)
    credentials = stack["logins"][role]
    page.goto(f"https://localhost:{stack['port']}/")
    page.get_by_label("Логин").fill(credentials["login"])
    page.get_by_label("Пароль").fill(credentials["password"])
    page.get_by_role("button", name="Войти", exact=True).click()
    return context, page, watch


def test_an_injected_script_is_refused_and_the_parents_chart_draws(stack, browser):
    context, page, watch = _sign_in(stack, browser, "parent")
    try:
        expect(page.get_by_role("heading", name="Дневник")).to_be_visible(timeout=45_000)
        page.get_by_role("tab", name="Отметки по предметам").click()
        expect(page.get_by_text("Динамика по предмету")).to_be_visible()
        chart = page.get_by_test_id("stVegaLiteChart").first
        expect(chart).to_be_visible()
        expect(chart.locator("svg, canvas").first).to_be_visible()
        page.wait_for_function("document.cookie.includes('portal_session=')")
        watch.assert_none(page)
        shot(page, "e2e_deploy_nginx_csp_chart")
        # the policy is in force: an inline script put into the page (as an XSS would) does not run
        ran = page.evaluate("""() => {
            const s = document.createElement('script');
            s.textContent = 'window.__injected = 1';
            document.body.appendChild(s);
            return window.__injected === 1;
        }""")
        assert ran is False
        page.wait_for_function("window.__csp.length > 0")
        assert any("script-src" in v for v in watch.violations(page))
    finally:
        context.close()


def _upstreams(folder: Path, route: str) -> list[str]:
    """The app process that served each request of the browser with this route cookie, in order
    (a WebSocket is logged only when it closes, so the page's other requests tell where the
    browser is now; after a failed try nginx logs both addresses: the last one answered)."""
    out = []
    for line in (folder / "access.log").read_text().splitlines():
        found = re.match(r'route=(\S*) up="([^"]*)" (\d+) "(.*)"$', line)
        if found and found[1] == route and found[2] != "-" and "/_stcore/stream" not in found[4]:
            out.append(found[2].split(",")[-1].strip())
    return out


def test_a_session_works_through_nginx_and_survives_its_app_process(stack, browser):
    folder = stack["folder"]
    context, page, watch = _sign_in(stack, browser, "teacher")
    try:
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Учитель", timeout=45_000)
        expect(page.get_by_role("button", name="Выйти")).to_be_visible()
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["portal_route"]["secure"] and cookies["portal_route"]["httpOnly"]
        assert "portal_session" in cookies   # set by the inline script the CSP allows by its hash
        watch.assert_none(page)
        route = cookies["portal_route"]["value"]
        served = set(_upstreams(folder, route))
        assert len(served) == 1, f"one browser, one app process: {served}"
        first = served.pop()
        seen = len(_upstreams(folder, route))
        page.reload()  # the same browser keeps to the same app process
        expect(page.get_by_role("button", name="Выйти")).to_be_visible()
        assert set(_upstreams(folder, route)[seen:]) == {first}
        shot(page, "e2e_deploy_nginx_signed_in")

        # that app process dies; nginx sends the browser to the other one, where it is still signed in
        index = [f"127.0.0.1:{p}" for p in stack["apps"]].index(first)
        victim = stack["procs"][index]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=15)
        page.reload()
        # the other process's first run imports every page's services: slow on a busy machine
        expect(page.get_by_role("button", name="Выйти")).to_be_visible(timeout=90_000)
        expect(sidebar).to_contain_text("Учитель")
        expect(page.get_by_label("Пароль")).to_have_count(0)
        after = _upstreams(folder, route)[seen:]
        others = {f"127.0.0.1:{p}" for p in stack["apps"]} - {first}
        assert after and after[-1] in others, after
        watch.assert_none(page)
        shot(page, "e2e_deploy_nginx_after_failover")
    finally:
        context.close()
