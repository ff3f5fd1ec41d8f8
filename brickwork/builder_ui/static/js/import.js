// The import page: choose a file, match its columns to fields, check, import with progress.
// Every step sends the file again (the server keeps nothing between requests); the check and
// the import answer line by line (application/x-ndjson), which moves the <progress> bar.
import { csrfToken, el, format, pageData, problemText } from "./views_common.js";

const data = pageData("import-data");
const text = pageData("import-text");
const $ = (id) => document.getElementById(id);
const state = { file: null, headers: [], busy: false };

function message(value) {
  $("import-message").textContent = value || "";
  $("import-message").hidden = !value;
}

function post(url, fields) {
  const body = new FormData();
  body.append("file", state.file, state.file.name);
  for (const [name, value] of Object.entries(fields || {})) body.append(name, value);
  return fetch(url, { method: "POST", body, headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" } });
}

// The settings the person chose, as the import API takes them.
function settings(extra) {
  const mapping = {};
  for (const select of document.querySelectorAll("#mapping-rows select")) {
    mapping[select.dataset.header] = select.value || null;
  }
  return {
    mapping: JSON.stringify(mapping), mode: document.querySelector("input[name=mode]:checked").value,
    upsert_key: $("upsert-key").value, ...extra,
  };
}

// --- step 1: the file
async function choose(file) {
  if (!file || state.busy) return;
  if (!/\.(xlsx|csv|txt)$/i.test(file.name)) { message(text.wrong_file); return; }
  state.file = file;
  message("");
  for (const id of ["step-map", "step-result", "problems", "step-progress"]) $(id).hidden = true;
  $("file-name").textContent = file.name;
  $("file-name").hidden = false;
  const response = await guarded(() => post(data.columns));
  if (!response) return;
  if (!response.ok) { message(await problemText(response, text.failed)); return; }
  const found = await response.json();
  state.headers = found.file.headers;
  showMapping(found.file, found.mapping);
  await preview();
}

// --- step 2: the mapping, the preview, the check
function fieldOptions(selected, blank) {
  return [el("option", { value: "" }, blank), ...data.fields.map((f) => el("option", {
    value: f.key, selected: f.key === selected,
  }, f.required ? format(text.required, { name: f.label }) : f.label))];
}

function showMapping(file, mapping) {
  const kind = format(text.file_kind, { kind: file.kind.toUpperCase(), n: file.headers.length });
  $("file-kind").textContent = file.encoding ? `${kind} · ${format(text.encoding, { name: file.encoding })}` : kind;
  $("mapping-rows").replaceChildren(...file.headers.map((header) => el("tr", { dataset: { header } },
    el("td", {}, header),
    el("td", {}, el("select", { "aria-label": header, dataset: { header } }, ...fieldOptions(mapping[header], text.skip))))));
  $("upsert-key").replaceChildren(...fieldOptions(null, text.insert_only));
  $("step-map").hidden = false;
}

function markMapping(errors) {
  for (const row of document.querySelectorAll("#mapping-rows tr")) {
    row.classList.remove("has-error");
    row.querySelector(".field-error")?.remove();
  }
  for (const error of errors || []) {
    const header = error.field.replace(/^mapping\./, "");
    const row = [...document.querySelectorAll("#mapping-rows tr")].find((r) => r.dataset.header === header);
    if (!row) continue;
    row.classList.add("has-error");
    row.lastElementChild.append(el("span", { class: "field-error" }, error.message));
  }
}

// A refused request: the message on top, a mapping's errors beside its columns.
async function refused(response) {
  let problem = {};
  try { problem = await response.clone().json(); } catch { /* not JSON */ }
  markMapping(problem.errors);
  message(await problemText(response, text.failed));
}

async function preview() {
  markMapping([]);
  const response = await guarded(() => post(data.api, settings({ dry_run: "true" })));
  if (!response) return;
  if (!response.ok) { await refused(response); showPreview(null); return; }
  const answer = await response.json();
  showPreview(answer);
  showProblems(answer, text.preview_problems, false);
}

function showPreview(answer) {
  const table = $("preview");
  if (!answer) { table.replaceChildren(); return; }
  const keys = Object.values(answer.mapping).filter(Boolean);
  const fields = Object.fromEntries(data.fields.map((f) => [f.key, f]));
  const head = el("tr", {}, el("th", {}, text.row), ...keys.map((k) => el("th", {}, fields[k]?.label || k)), el("th", {}, ""));
  const rows = (answer.preview || []).map((row) => el("tr", {},
    el("td", {}, String(row.row)),
    ...keys.map((k) => el("td", {}, cellText(row.values[k], fields[k]?.options || {}))),
    el("td", { class: row.ok ? "row-ok" : "row-bad" }, row.ok ? text.ok : text.has_problem)));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  if (!rows.length) message(text.no_rows);
}

// A value as the engine parsed it, options by their labels.
function cellText(value, options) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => cellText(v, options)).join(", ");
  if (typeof value === "string" && Object.hasOwn(options, value)) return options[value];
  if (typeof value === "object") return value.label ?? value.title ?? value.name ?? JSON.stringify(value);
  return String(value);
}

function showProblems(answer, title, downloadable) {
  const box = $("problems");
  box.hidden = !answer.problems.length;
  $("problems-title").textContent = title;
  $("download-report").hidden = !downloadable || !answer.problems.length;
  const shown = answer.problems.length < answer.problem_count
    ? format(text.problems_shown, { n: answer.problems.length, total: answer.problem_count }) : "";
  $("problems-summary").textContent = shown;
  const head = el("tr", {}, ...[text.row, text.column, text.value, text.problem].map((t) => el("th", {}, t)));
  $("problem-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...answer.problems.map((p) => el("tr", {},
    el("td", {}, String(p.row)), el("td", {}, p.column), el("td", {}, p.value), el("td", {}, p.message)))));
}

// --- the streamed runs: every row checked, or the import itself
async function* lines(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (line) yield JSON.parse(line);
    }
  }
  if (buffer.trim()) yield JSON.parse(buffer);
}

function moveProgress(report) {
  const bar = $("progress");
  if ("total" in report) {
    if (report.total) bar.max = report.total; else bar.removeAttribute("max");
    if (!report.total) bar.removeAttribute("value");
    state.total = report.total;
  }
  if (state.total) bar.value = Math.min(report.done, state.total);
  $("progress-text").textContent = state.total
    ? format(text.of_total, { done: report.done, total: state.total }) : format(text.rows_done, { done: report.done });
}

function streamed(extra, label) {
  markMapping([]);
  message("");
  $("step-progress").hidden = false;
  $("progress-label").textContent = label;
  const bar = $("progress");
  bar.removeAttribute("value");
  $("progress-text").textContent = "";
  return guarded(async () => {
    const response = await post(`${data.api}?stream=1`, settings(extra));
    if (!response.ok) { $("step-progress").hidden = true; await refused(response); return null; }
    let result = null;
    for await (const report of lines(response)) {
      if (report.error) { message([report.error.title, report.error.detail].filter(Boolean).join(" ")); return null; }
      if ("done" in report) moveProgress(report);
      else result = report;
    }
    if (result) { // the end: the bar is full, whatever the file said of its size
      bar.max = Math.max(result.rows, 1);
      bar.value = bar.max;
      $("progress-text").textContent = format(text.of_total, { done: result.rows, total: result.rows });
    }
    return result;
  });
}

async function check() {
  const result = await streamed({ check: "true" }, text.checking);
  if (!result) return;
  showPreview(result);
  const ok = result.rows - result.failed;
  $("progress-label").textContent = result.failed
    ? format(text.checked, { rows: result.rows, ok, failed: result.failed })
    : format(text.checked_ok, { rows: result.rows });
  showProblems(result, text.problems, true);
}

async function run() {
  const result = await streamed({}, text.importing);
  if (!result) return;
  $("step-map").hidden = true;
  $("step-result").hidden = false;
  const nothing = result.mode === "all" && result.failed;
  $("result-text").textContent = format(nothing ? text.nothing : text.imported, result);
  if (nothing) $("step-map").hidden = false;
  showProblems(result, text.problems, false);
}

async function download() {
  const response = await guarded(() => post(`${data.api}?report=xlsx`, settings({ check: "true" })));
  if (!response) return;
  if (!response.ok) { await refused(response); return; }
  const url = URL.createObjectURL(await response.blob());
  const name = /filename\*=UTF-8''([^;]+)/.exec(response.headers.get("Content-Disposition") || "");
  const link = el("a", { href: url, download: name ? decodeURIComponent(name[1]) : "problems.xlsx", hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// One request at a time; the buttons say so while one runs.
async function guarded(request) {
  state.busy = true;
  for (const id of ["check", "run", "download-report", "file-input"]) $(id).disabled = true;
  try {
    return await request();
  } catch {
    message(text.network);
    return null;
  } finally {
    state.busy = false;
    for (const id of ["check", "run", "download-report", "file-input"]) $(id).disabled = false;
  }
}

function again() {
  state.file = null;
  $("file-input").value = "";
  $("file-name").hidden = true;
  for (const id of ["step-map", "step-result", "problems", "step-progress"]) $(id).hidden = true;
  message("");
}

const zone = $("dropzone");
zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
zone.addEventListener("dragleave", () => zone.classList.remove("over"));
zone.addEventListener("drop", (event) => {
  event.preventDefault();
  zone.classList.remove("over");
  choose(event.dataTransfer.files[0]);
});
$("file-input").addEventListener("change", (event) => choose(event.target.files[0]));
$("check").addEventListener("click", () => check());
$("run").addEventListener("click", () => run());
$("download-report").addEventListener("click", () => download());
$("again").addEventListener("click", again);
