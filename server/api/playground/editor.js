// The code editor: a transparent textarea exactly over its highlighted copy, line numbers, each
// line marked with its worst finding, and the diagnostics list beside it (a click selects the
// code a finding is about) with what was repaired.
import { escapeHtml, highlightLines } from "./highlight.js";

const SEVERITY_ORDER = ["error", "warning", "info", "hint"];
const $ = (id) => document.getElementById(id);
let diagnostics = [];

export function currentCode() {
  return $("code").value;
}

/** Show `code` with its `findings`; `repaired` (when given) replaces the list of repairs. */
export function setCode(code, findings, repaired) {
  $("code").value = code;
  diagnostics = findings;
  renderDiagnostics(repaired);
  renderCode();
}

/** The guard's report as diagnostics: its syntax errors and what remains. */
export function findingsOf(guard) {
  const syntax = guard.syntax.map((s) => ({
    code: "syntax",
    severity: "error",
    message: s.message,
    range: { start: { line: s.line, character: s.character }, end: { line: s.line, character: s.character + 1 } },
  }));
  return [...syntax, ...guard.remaining];
}

export function initEditor() {
  $("code").addEventListener("input", () => {
    renderCode();
    $("diag-count").textContent = "(the code changed: Check again)";
  });
  $("code").addEventListener("scroll", syncScroll);
}

function lineSeverities() {
  const worst = new Map();
  for (const d of diagnostics) {
    for (let line = d.range.start.line; line <= d.range.end.line; line++) {
      const now = worst.get(line);
      if (now === undefined || SEVERITY_ORDER.indexOf(d.severity) < SEVERITY_ORDER.indexOf(now)) {
        worst.set(line, d.severity);
      }
    }
  }
  return worst;
}

function renderCode() {
  const source = currentCode();
  const severities = lineSeverities();
  $("code-view").innerHTML = highlightLines(source, (n) => (severities.has(n) ? `sev-${severities.get(n)}` : ""));
  const numbers = [];
  const count = source.split("\n").length;
  for (let n = 0; n < count; n++) {
    const severity = severities.get(n);
    numbers.push(`<span class="${severity ? `mark-${severity}` : ""}">${n + 1}</span>`);
  }
  $("gutter").innerHTML = numbers.join("\n");
  syncScroll();
}

function syncScroll() {
  const area = $("code");
  const view = $("code-view").parentElement;
  view.scrollTop = area.scrollTop;
  view.scrollLeft = area.scrollLeft;
  $("gutter").scrollTop = area.scrollTop;
}

/** The textarea offset of an LSP position (both count UTF-16 code units). */
function offsetOf(text, position) {
  const lines = text.split("\n");
  let offset = 0;
  for (let n = 0; n < position.line && n < lines.length; n++) offset += lines[n].length + 1;
  return Math.min(text.length, offset + position.character);
}

function renderDiagnostics(repaired) {
  const list = $("diagnostics");
  list.innerHTML = "";
  const sorted = [...diagnostics].sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  for (const d of sorted) {
    const item = document.createElement("li");
    item.className = `diagnostic sev-${d.severity}`;
    item.tabIndex = 0;
    item.innerHTML =
      `<span class="severity">${escapeHtml(d.severity)}</span> <code>${escapeHtml(d.code)}</code> ` +
      `<span class="where">${d.range.start.line + 1}:${d.range.start.character + 1}</span>` +
      `<div class="text">${escapeHtml(d.message)}</div>`;
    const select = () => {
      const area = $("code");
      area.focus();
      area.setSelectionRange(offsetOf(area.value, d.range.start), offsetOf(area.value, d.range.end));
    };
    item.addEventListener("click", select);
    item.addEventListener("keydown", (e) => e.key === "Enter" && select());
    list.append(item);
  }
  const counts = SEVERITY_ORDER.map((s) => [s, sorted.filter((d) => d.severity === s).length]).filter(([, n]) => n);
  $("diag-count").textContent = sorted.length ? counts.map(([s, n]) => `${n} ${s}`).join(", ") : "none";
  if (repaired === undefined) return;
  const fixes = $("repaired");
  fixes.innerHTML = "";
  for (const f of repaired) {
    const item = document.createElement("li");
    item.innerHTML = `<code>${escapeHtml(f.code)}</code> ${escapeHtml(f.message)}`;
    fixes.append(item);
  }
  if (!repaired.length) fixes.innerHTML = '<li class="muted">nothing</li>';
}
