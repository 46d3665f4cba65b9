// FOI Ledger review page: show where the focused cell was read, keep the keyboard flow, warn on lost work.
// Vanilla JS, no build step.
(function () {
  "use strict";
  const root = document.getElementById("review");
  if (!root) return;
  const form = document.getElementById("review-form");
  const findings = JSON.parse(document.getElementById("findings-data").textContent || "[]");
  const inputs = Array.from(form.querySelectorAll("input[data-cell]"));
  const byId = new Map(inputs.map((i) => [i.dataset.cell, i]));
  const info = document.getElementById("cell-info");
  const pane = document.getElementById("source");
  const pages = JSON.parse(root.dataset.pages || "[]");
  const pageUrl = root.dataset.pageUrl;
  const img = document.getElementById("page-img");
  const box = document.getElementById("cell-box");
  const unsaved = document.getElementById("unsaved");
  let currentPage = 1;
  let currentBox = null;
  let submitting = false;

  function text(tag, cls, value) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  function scrollPaneTo(el) {
    // scroll the source pane only (scrollIntoView would also move the grid's window)
    const r = el.getBoundingClientRect();
    const p = pane.getBoundingClientRect();
    pane.scrollTop = Math.max(0, pane.scrollTop + r.top - p.top - pane.clientHeight / 3);
    pane.scrollLeft = Math.max(0, pane.scrollLeft + r.left - p.left - pane.clientWidth / 4);
  }

  // --- PDF page and box ---------------------------------------------------------------------------
  function drawBox() {
    if (!img || !box) return;
    const size = pages[currentPage - 1];
    if (!currentBox || !size || !img.complete || !img.clientWidth) { box.hidden = true; return; }
    const k = img.clientWidth / size[0];
    const [x0, top, x1, bottom] = currentBox;
    box.style.left = (x0 * k - 3) + "px";
    box.style.top = (top * k - 3) + "px";
    box.style.width = ((x1 - x0) * k + 6) + "px";
    box.style.height = ((bottom - top) * k + 6) + "px";
    box.hidden = false;
    scrollPaneTo(box);
  }

  function showPage(n) {
    if (!img || n < 1 || n > pages.length) return;
    if (n !== currentPage) {
      currentPage = n;
      img.src = pageUrl + n + ".png";
      document.getElementById("page-no").textContent = String(n);
    } else {
      drawBox();
    }
  }
  if (img) {
    img.addEventListener("load", drawBox);
    window.addEventListener("resize", drawBox);
    document.getElementById("page-prev").addEventListener("click", () => { currentBox = null; showPage(currentPage - 1); });
    document.getElementById("page-next").addEventListener("click", () => { currentBox = null; showPage(currentPage + 1); });
    document.getElementById("page-zoom").addEventListener("click", (ev) => {
      const zoomed = document.getElementById("pdf-view").classList.toggle("zoomed");
      ev.target.textContent = zoomed ? "fit width" : "zoom ×2";
      drawBox();
    });
  }

  // --- text / HTML / DOCX source -----------------------------------------------------------------
  let lastHit = null;
  function showLocator(loc, raw) {
    const holder = document.getElementById("src-text");
    if (!holder || !loc) return;
    if (lastHit) { lastHit.classList.remove("hit"); lastHit.querySelectorAll("mark").forEach((m) => m.replaceWith(m.textContent)); }
    const el = holder.querySelector('[data-loc="' + CSS.escape(loc) + '"]');
    if (!el) return;
    hitSource(el, raw);
  }

  function hitSource(el, needle) {
    el.classList.add("hit");
    if (needle && el.classList.contains("ln")) markRaw(el, needle);
    lastHit = el;
    scrollPaneTo(el.querySelector("mark") || el);
  }

  const squash = (s) => s.normalize("NFKC").replace(/\s+/g, "");
  function findInSource(needle) {
    // a cell that was never read has no locator: find its row label (or a finding's quoted text) instead
    const holder = document.getElementById("src-text");
    if (!holder || !needle) return false;
    if (lastHit) { lastHit.classList.remove("hit"); lastHit.querySelectorAll("mark").forEach((m) => m.replaceWith(m.textContent)); lastHit = null; }
    const want = squash(needle);
    const el = Array.from(holder.querySelectorAll(".ln, td")).find((e) => squash(e.textContent).includes(want));
    if (el) hitSource(el, needle);
    return Boolean(el);
  }

  function labelCore(label) {
    // "表三 （三）不予公开 1.属于国家秘密 · 自然人" → "属于国家秘密": the words a flattened text still prints
    const row = label.split(" · ")[0].split(" ").pop();
    return row.replace(/^([0-9]+[.、．]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)+/, "");
  }

  function markRaw(line, raw) {
    // mark each occurrence of the printed text on the line (the locator names the line, not the token)
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) if (!walker.currentNode.parentElement.classList.contains("no")) nodes.push(walker.currentNode);
    nodes.forEach((node) => {
      const parts = node.textContent.split(raw);
      if (parts.length < 2) return;
      const frag = document.createDocumentFragment();
      parts.forEach((p, i) => { if (i) frag.appendChild(text("mark", "", raw)); frag.appendChild(document.createTextNode(p)); });
      node.replaceWith(frag);
    });
  }

  // --- the focused cell ---------------------------------------------------------------------------
  function showCell(input) {
    inputs.forEach((i) => i.parentElement.classList.remove("selected"));
    input.parentElement.classList.add("selected");
    const d = input.dataset;
    info.replaceChildren(text("span", "lbl", d.label));
    const parts = [];
    if (d.raw) parts.push("printed “" + d.raw + "”");
    else if (!input.defaultValue) parts.push("not read");
    if (d.note) parts.push("note: " + d.note);
    if (d.page) parts.push("page " + d.page);
    if (d.loc) parts.push(d.loc);
    info.appendChild(text("div", "", parts.join(" · ")));
    (d.findings ? d.findings.split(",") : []).forEach((idx) => {
      const f = findings[Number(idx)];
      if (!f) return;
      info.appendChild(text("span", "msg " + f.severity, f.message));
      if (f.options && f.options.length) info.appendChild(readingButtons(f));
    });
    if (d.page && pages.length) {
      currentBox = d.box ? d.box.split(",").map(Number) : null;
      showPage(Number(d.page));
      if (Number(d.page) === currentPage) drawBox();
    } else if (d.loc) {
      showLocator(d.loc, d.raw);
    } else {
      findInSource(labelCore(d.label));
    }
  }

  // A digit run that splits several ways: the reviewer picks the reading the source shows; it fills the
  // row's cells (nothing is saved until Save), and the validator checks it like any typed value.
  // With a neighbouring year stored, each reading carries the cross-year findings (S1/S2) it would raise:
  // a reading that raises none is marked as agreeing with the neighbours. With another copy of the same
  // report stored (its web page beside its text), the reading that copy holds is marked too. The marks
  // narrow; the reviewer still decides.
  function readingButtons(f) {
    const group = text("div", "readings", "Pick the reading the source shows: ");
    f.options.forEach((option, n) => {
      const fit = f.option_fits ? f.option_fits[n] : null;
      const twins = f.option_twins ? f.option_twins[n] : [];
      const agrees = fit !== null && fit.length === 0;
      let label = option.join(" | ");
      if (twins.length) label += " ✓ as in " + twins.join(", ");
      if (agrees) label += " ✓ agrees with the neighbouring years";
      const button = text("button", "reading" + (agrees || twins.length ? " agrees" : ""), label);
      if (fit && fit.length) button.title = fit.join("\n");
      button.type = "button";
      button.addEventListener("click", () => {
        f.cells.forEach((ident, i) => {
          const input = byId.get(ident);
          if (input) input.value = option[i] === null ? "" : String(option[i]);
        });
        markChanged();
        const first = byId.get(f.cells[0]);
        if (first) first.focus();
      });
      group.appendChild(button);
    });
    return group;
  }

  inputs.forEach((input) => {
    input.addEventListener("focus", () => { showCell(input); input.select(); });
    input.addEventListener("input", markChanged);
  });

  // ↑ ↓ move between rows in the same column position; Tab keeps the browser's own order.
  const rows = Array.from(form.querySelectorAll("tr")).map((tr) => Array.from(tr.querySelectorAll("input[data-cell]"))).filter((r) => r.length);
  form.addEventListener("keydown", (ev) => {
    if (ev.key !== "ArrowUp" && ev.key !== "ArrowDown") return;
    const input = ev.target;
    if (!input.dataset || !input.dataset.cell) return;
    const r = rows.findIndex((row) => row.includes(input));
    const c = rows[r].indexOf(input);
    const next = rows[r + (ev.key === "ArrowUp" ? -1 : 1)];
    if (!next) return;
    ev.preventDefault();
    next[Math.min(c, next.length - 1)].focus();
  });

  // --- findings list: select the cells a finding names -------------------------------------------
  document.querySelectorAll("button.finding").forEach((button) => {
    button.addEventListener("click", () => {
      document.querySelectorAll("button.finding.active").forEach((b) => b.classList.remove("active"));
      button.classList.add("active");
      const cells = (button.dataset.cells || "").split(" ").filter(Boolean);
      const first = cells.map((c) => byId.get(c)).find(Boolean);
      if (first) { first.focus(); return; }
      // a parse problem names no cell: look for the text it quotes ('693665') in the source
      const quoted = button.textContent.match(/'([^']+)'/);
      if (quoted) findInSource(quoted[1]);
    });
  });

  // --- unsaved changes ----------------------------------------------------------------------------
  function changedCount() { return inputs.filter((i) => i.value !== i.dataset.initial).length; }
  function markChanged() {
    inputs.forEach((i) => i.classList.toggle("changed", i.value !== i.dataset.initial));
    const n = changedCount();
    if (unsaved) { unsaved.hidden = n === 0; unsaved.textContent = n + " unsaved change" + (n === 1 ? "" : "s"); }
  }
  window.addEventListener("beforeunload", (ev) => { if (!submitting && changedCount()) { ev.preventDefault(); ev.returnValue = ""; } });
  form.addEventListener("submit", (ev) => {
    const action = ev.submitter ? ev.submitter.value : "save";
    const note = document.getElementById("note");
    if (action === "verify" && Number(root.dataset.hard) > 0 && !changedCount() && note && !note.value.trim()) {
      ev.preventDefault();
      note.focus();
      note.setCustomValidity("Hard findings remain: say why the published report does not balance, or correct the values.");
      note.reportValidity();
      return;
    }
    if ((action === "reject") && !document.getElementById("reject-reason").value) {
      ev.preventDefault();
      document.getElementById("reject-reason").focus();
      return;
    }
    submitting = true;
  });
  const note = document.getElementById("note");
  if (note) note.addEventListener("input", () => note.setCustomValidity(""));

  // Start where the work is: the cell named by the most hard findings (where a row check and a
  // column check cross, the misread number usually sits), else the first cell.
  let start = inputs[0];
  let best = 0;
  inputs.forEach((i) => {
    const hard = (i.dataset.findings ? i.dataset.findings.split(",") : []).filter((x) => findings[Number(x)] && findings[Number(x)].severity === "hard").length;
    if (hard >= 2) i.parentElement.classList.add("suspect");
    if (hard > best) { best = hard; start = i; }
  });
  if (start) { if (start.disabled) showCell(start); else start.focus(); }
})();
