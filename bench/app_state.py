"""Wait on a Streamlit app's state in a real browser, never on time (issue 14, item 10); and the
little the browser tests (tests/e2e/conftest.py) and bench/browser.py both need to start one
(Chromium's path and arguments, a free port, waiting for the health check). `TRACKER` is a script
added to every page before the app's own code (`context.add_init_script`): it watches the
app's websocket and counts, from the top-level field of each protobuf frame, the script runs the
browser asked for (BackMsg `rerun_script`, field 11) and the runs the server reported finished
(ForwardMsg `script_finished`, field 6, except FINISHED_EARLY_FOR_RERUN: a run cut short for a
newer one). It also counts DOM mutations.

`settle(page)` then waits until:
  - the last run the browser asked for has been reported finished (a run asked for after the
    last finished one is still pending, even before the server has said it started);
  - the app's root says so too: `[data-testid="stApp"]` has `data-test-script-state="notRunning"`
    and `data-test-connection-state="CONNECTED"` (Streamlit's own attributes for tests), and no
    element of the previous run is still marked stale;
  - the page is still: no DOM mutation across three animation frames in a row.
A page that is not the app (a sign-in provider's page) is settled when it has loaded.
"""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium; never `playwright install`
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, expect: bytes, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Until `url` answers `expect` (e.g. Streamlit's /_stcore/health «ok»); fails early when
    the process behind it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process behind {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.read().strip() == expect:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer {expect!r} within {timeout} s")


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """End a server process started for a test or a bench: terminate, then kill if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


TRACKER = r"""
(() => {
  if (window.__portalRuns) return;
  const state = window.__portalRuns = {asked: 0, finished: 0, askedAt: 0, finishedAt: 0, seq: 0, mutations: 0};
  // the top-level fields of a protobuf message: [[field number, varint value or null], ...]
  const fields = (bytes) => {
    const out = []; let i = 0;
    const varint = () => { let x = 0, shift = 0, c; do { c = bytes[i++]; x += (c & 0x7f) * 2 ** shift; shift += 7; }
                           while ((c & 0x80) && i < bytes.length); return x; };
    while (i < bytes.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (wire === 0) out.push([field, varint()]);
      else if (wire === 2) { const n = varint(); out.push([field, null]); i += n; }
      else if (wire === 1) { out.push([field, null]); i += 8; }
      else if (wire === 5) { out.push([field, null]); i += 4; }
      else break;
    }
    return out;
  };
  const asBytes = (data) => data instanceof ArrayBuffer ? new Uint8Array(data)
    : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  const sent = (data) => {
    const bytes = asBytes(data);
    if (bytes && fields(bytes).some(([f]) => f === 11)) { state.asked += 1; state.askedAt = ++state.seq; }
  };
  const received = (data) => {
    const bytes = asBytes(data);
    if (!bytes) return;
    for (const [f, v] of fields(bytes)) {
      if (f === 6 && v !== 2) { state.finished += 1; state.finishedAt = ++state.seq; }
    }
  };
  const Native = window.WebSocket;
  const nativeSend = Native.prototype.send;
  Native.prototype.send = function (data) { try { sent(data); } catch (e) {} return nativeSend.call(this, data); };
  function Tracked(...args) {
    const ws = new Native(...args);
    ws.addEventListener("message", (event) => {
      try {
        if (event.data instanceof Blob) event.data.arrayBuffer().then(received); else received(event.data);
      } catch (e) {}
    });
    return ws;
  }
  Tracked.prototype = Native.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Tracked[k] = Native[k];
  window.WebSocket = Tracked;
  const observe = () => new MutationObserver(() => { state.mutations += 1; })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", observe); else observe();
  // true when the app has finished every run it was asked for and shows no stale element
  state.idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return document.readyState === "complete";
    return app.getAttribute("data-test-script-state") === "notRunning"
      && app.getAttribute("data-test-connection-state") === "CONNECTED"
      && state.finishedAt > state.askedAt
      && !document.querySelector('[data-stale="true"]');
  };
})();
"""

# polled on every animation frame: true once idle() has held, with no DOM mutation, on three
# frames in a row (a predicate must not return a promise: waitForFunction does not await one)
_SETTLED = r"""
() => {
  const s = window.__portalRuns;
  if (!s) return document.readyState === "complete";
  if (!s.idle()) { s.still = 0; return false; }
  if (s.still > 0 && s.seen === s.mutations) s.still += 1; else { s.still = 1; s.seen = s.mutations; }
  return s.still >= 3;
}
"""


def track(context) -> None:
    """Add the run tracker to every page of a Playwright browser context."""
    context.add_init_script(TRACKER)


def settle(page, timeout: float = 30_000) -> None:
    """Wait until the app has finished every script run it was asked for and the page is still.
    Raises playwright's TimeoutError after `timeout` ms."""
    page.evaluate("() => { if (window.__portalRuns) window.__portalRuns.still = 0; }")
    page.wait_for_function(_SETTLED, timeout=timeout, polling="raf")


def wait_shown(page, selector: str, inner: str = "", timeout: float = 60_000) -> None:
    """Until an element matching `selector` is visible (holding an element matching `inner`, if
    given: e.g. a grid's cells, which have no box of their own) and the app has finished every
    run it was asked for. Polled on every animation frame, with no stillness required: for timing
    what a user sees."""
    page.wait_for_function(
        """([sel, inner]) => { const s = window.__portalRuns, el = document.querySelector(sel);
                               return !!el && el.getClientRects().length > 0 && (!inner || !!el.querySelector(inner))
                                      && (!s || s.idle()); }""",
        arg=[selector, inner], timeout=timeout, polling="raf")


def runs(page) -> dict:
    """The tracker's counters: runs asked for, runs finished."""
    return page.evaluate("() => { const s = window.__portalRuns; return s ? {asked: s.asked, finished: s.finished}"
                         " : {asked: 0, finished: 0}; }")
