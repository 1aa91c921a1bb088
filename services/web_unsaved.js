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
  const HAND_OVER_MS = 200;
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
  // The grid hands a committed cell to its form 150 ms later: a submit button pressed within
  // them would send the form without the last mark, so its click waits for them.
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest('[data-testid="stFormSubmitButton"] button');
    if (!button) return;
    const wait = state.committed + HAND_OVER_MS - performance.now();
    if (wait > 0) {
      e.preventDefault();
      e.stopPropagation();
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
