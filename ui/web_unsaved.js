// The journal's unsaved cells, counted in the browser (the grid is a form: nothing reaches the
// server before «Сохранить»). Installed once per page by web.unsaved_guard().
// A cell counts when the grid's cell editor (a textarea in #portal), opened by typing on a cell,
// is closed (Enter, Tab, or a click elsewhere; Escape cancels), or when Delete clears a cell;
// typing into a cell twice counts twice.
// The count is shown in every .portal-unsaved element; it restarts when that element's
// data-key changes (a successful save gives the grid a new key). While it is not zero, leaving
// the page (reload, closing the tab) or the journal (a link of the menu) asks first.
(function () {
  if (window.__portalUnsaved) return;
  const HAND_OVER_MS = 40;
  const state = window.__portalUnsaved = { count: 0, key: null, typed: false, committed: -1e9 };
  const spot = () => document.querySelector(".portal-unsaved");
  const show = () => {
    const el = spot();
    if (!el) { state.count = 0; state.key = null; return; }
    if (el.dataset.key !== state.key) { state.key = el.dataset.key; state.count = 0; }
    const text = state.count ? "Не сохранено: " + state.count : "";
    if (el.textContent !== text) el.textContent = text;
    el.style.color = "#b45309";
    el.style.fontWeight = "600";
  };
  const inEditor = (t) => t && t.closest && t.closest("#portal") && /^(TEXTAREA|INPUT)$/.test(t.tagName);
  document.addEventListener("input", (e) => { if (inEditor(e.target)) state.typed = true; }, true);
  const commit = () => {
    state.committed = performance.now();
    if (state.typed) { state.typed = false; state.count += 1; show(); }
  };
  const inGrid = (t) => t && t.closest && t.closest('[data-testid="stDataFrame"]');

  // Keys typed faster than the grid opens and closes its cell editor. A character on a selected
  // cell opens the editor a frame or two later, and Enter or Tab in the editor gives the focus back
  // to the grid a frame or two later; a key that arrives in between would go to the wrong place
  // (a mark typed at full speed was lost). So from such a key until the focus is where the next
  // key belongs, keys are queued, and then replayed in order, each waiting the same way.
  const queue = [];
  let waiting = null, since = 0;
  const active = () => document.activeElement;
  const printable = (k) => k.key.length === 1 && !k.ctrlKey && !k.metaKey && !k.altKey;
  const leaves = (k) => k.key === "Enter" || k.key === "Tab" || k.key === "Escape";
  // The grid closes its editor a task after Enter or Tab and takes it off the page a render later:
  // a character typed before that reopens the same editor, still holding the old cell's value and
  // deaf to Enter. So the grid is ready again only when no editor is left in #portal.
  const editorShown = () => !!document.querySelector("#portal .gdg-clip-region");
  const arrived = () => waiting === "editor" ? inEditor(active())
    : onCell(active()) && !editorShown();
  // A cell of a grid has the focus (its canvas or its accessible table), not the grid's search box.
  const onCell = (t) => !!inGrid(t) && !/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName);
  const transition = (k, target) => {
    if (inEditor(target)) return leaves(k) ? "grid" : null;
    return onCell(target) && printable(k) ? "editor" : null;
  };
  // A press of the mouse on the grid (another cell, a pupil's name) while keys are still queued
  // would move the selection under them: it is held, queued after them, and replayed in its turn
  // as the same press at the same point (the grid then selects what was clicked).
  const press = (p) => {
    const at = document.elementFromPoint(p.x, p.y) || p.target;
    if (!inGrid(at)) return null;
    const common = { clientX: p.x, clientY: p.y, screenX: p.sx, screenY: p.sy, button: 0, bubbles: true,
                     cancelable: true, composed: true, view: window, shiftKey: p.shiftKey, ctrlKey: p.ctrlKey,
                     metaKey: p.metaKey, altKey: p.altKey };
    const pointer = { ...common, pointerId: 1, pointerType: "mouse", isPrimary: true };
    at.dispatchEvent(new PointerEvent("pointerdown", { ...pointer, buttons: 1 }));
    at.dispatchEvent(new MouseEvent("mousedown", { ...common, buttons: 1, detail: 1 }));
    at.dispatchEvent(new PointerEvent("pointerup", { ...pointer, buttons: 0 }));
    at.dispatchEvent(new MouseEvent("mouseup", { ...common, buttons: 0, detail: 1 }));
    at.dispatchEvent(new MouseEvent("click", { ...common, buttons: 0, detail: 1 }));
    return "grid";
  };
  const replay = (k) => {
    if (k.press) return press(k);
    const target = active();
    if (inEditor(target) && printable(k)) { document.execCommand("insertText", false, k.key); return null; }
    if (!inEditor(target) && !onCell(target)) return null;  // the grid lost the focus: the rest is dropped
    const e = new KeyboardEvent("keydown", { key: k.key, code: k.code, shiftKey: k.shiftKey, ctrlKey: k.ctrlKey,
                                             metaKey: k.metaKey, altKey: k.altKey, bubbles: true,
                                             cancelable: true, composed: true });
    Object.defineProperty(e, "keyCode", { get: () => k.keyCode });
    Object.defineProperty(e, "which", { get: () => k.keyCode });
    // A replayed move (an arrow key, Ctrl+Home) is taken by the grid on its next render: the key
    // after it waits for that render too, or it would act on the old cell.
    const next = transition(k, target) || "grid";
    target.dispatchEvent(e);
    return next;
  };
  // The next key is replayed one frame after the focus (and the editor) arrived where it belongs.
  let frames = 0;
  // A character on a cell that does not open an editor (a read-only grid) stops the keys for
  // EDITOR_WAIT_MS at most.
  const EDITOR_WAIT_MS = 400, GRID_WAIT_MS = 1000;
  const pump = () => {
    if (waiting && performance.now() - since < (waiting === "grid" ? GRID_WAIT_MS : EDITOR_WAIT_MS)) {
      frames = arrived() ? frames + 1 : 0;
      if (frames < 2) { requestAnimationFrame(pump); return; }
    }
    waiting = null;
    frames = 0;
    while (queue.length && !waiting) {
      waiting = replay(queue.shift());
      since = performance.now();
    }
    if (waiting) requestAnimationFrame(pump);
  };
  state.busy = () => waiting !== null || queue.length > 0;
  window.addEventListener("keydown", (e) => {
    if (!e.isTrusted || !(inEditor(e.target) || onCell(e.target))) return;
    if (state.busy()) {
      e.preventDefault();
      e.stopImmediatePropagation();
      queue.push({ key: e.key, code: e.code, keyCode: e.keyCode, shiftKey: e.shiftKey, ctrlKey: e.ctrlKey,
                   metaKey: e.metaKey, altKey: e.altKey });
      return;
    }
    const next = transition(e, e.target);
    if (next) { waiting = next; since = performance.now(); requestAnimationFrame(pump); }
  }, true);
  document.addEventListener("keydown", (e) => {
    if (!inEditor(e.target)) {  // a key on a selected cell: a character opens its editor, Delete clears it
      if (!inGrid(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key.length === 1) state.typed = true;
      else if (e.key === "Delete" || e.key === "Backspace") { state.count += 1; show(); }
      return;
    }
    if (e.key === "Escape") state.typed = false;
    else if (e.key === "Enter" || e.key === "Tab") commit();
  }, true);
  document.addEventListener("focusout", (e) => { if (inEditor(e.target)) commit(); }, true);
  // A press on «Сохранить» while typed keys are still queued would take the focus from the grid
  // and drop them: the press keeps the focus where it is, and the click below waits for the keys.
  const holdFocus = (e) => {
    if (state.busy && state.busy() && e.target.closest && e.target.closest('[data-testid="stFormSubmitButton"] button')) {
      e.preventDefault();
      e.stopImmediatePropagation();  // nor may the grid's editor take it for a click outside it
    }
  };
  for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup"]) window.addEventListener(type, holdFocus, true);
  // A press on the grid while keys are queued: held (every event of it, down to its click) and
  // queued; see press() above.
  let holding = false;
  const holdPress = (e) => {
    if (!e.isTrusted) return;
    if (e.type === "pointerdown" || e.type === "mousedown") {
      if (e.type === "pointerdown") holding = false;
      if (!holding && !(state.busy() && inGrid(e.target) && e.button === 0)) return;
      if (!holding) {
        holding = true;
        queue.push({ press: true, target: e.target, x: e.clientX, y: e.clientY, sx: e.screenX, sy: e.screenY,
                     shiftKey: e.shiftKey, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey });
      }
    } else if (!holding) {
      return;
    } else if (e.type === "click") {
      holding = false;
    }
    e.preventDefault();
    e.stopImmediatePropagation();
  };
  for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup", "click"]) window.addEventListener(type, holdPress, true);
  // The mouse leaving the grid redraws it (its toolbar hides), and a redraw while keys are being
  // replayed loses the grid's move to the next cell: until the queue is empty the page does not
  // hear the mouse move.
  const holdHover = (e) => { if (state.busy && state.busy()) e.stopImmediatePropagation(); };
  for (const type of ["pointermove", "pointerover", "pointerout", "pointerenter", "pointerleave", "mousemove",
                      "mouseover", "mouseout", "mouseenter", "mouseleave"]) window.addEventListener(type, holdHover, true);
  // The grid hands a committed cell to its form a moment later (at once with on_change="ignore",
  // 150 ms later without it): a submit button pressed within them would send the form without the
  // last mark, so its click waits for them.
  window.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest('[data-testid="stFormSubmitButton"] button');
    if (!button) return;
    const wait = state.busy() ? 50 : state.committed + HAND_OVER_MS - performance.now();
    if (wait > 0) {
      e.preventDefault();
      e.stopImmediatePropagation();
      setTimeout(() => button.click(), wait);
    }
  }, true);
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("a[href]");
    if (!link || !state.count || !spot()) return;
    if (!window.confirm("В журнале есть несохранённые изменения (" + state.count + "). Уйти без сохранения?")) {
      e.preventDefault();
      e.stopPropagation();
    } else {
      state.count = 0;
    }
  }, true);
  window.addEventListener("beforeunload", (e) => {
    if (state.count && spot()) { e.preventDefault(); e.returnValue = ""; }
  });
  new MutationObserver(show).observe(document.body, { childList: true, subtree: true });
  show();
})();
