// The table view: columns (show, hide, drag to reorder, drag the edge to resize), sort by
// header, filter builder, quick search, keyset paging, selection with bulk edit/delete.
// The state lives in the URL query so a reload keeps it; rows come from the server (/rows).
import Sortable from "/static/vendor/sortable.esm.js";
import { FilterBuilder, valueInput } from "./views_filter.js";
import { ask, bindViewSwitch, dialogError, el, format, pageData, problemText, send, showMessage }
  from "./views_common.js";
import { bindSavedViews, stateFromConfig } from "./views_saved.js";

const data = pageData("views-data");
const text = pageData("views-text");
const fieldById = Object.fromEntries(data.fields.map((f) => [f.id, f]));
const $ = (id) => document.getElementById(id);
const headerRow = $("header-row");
const tbody = $("rows");

// --- state: the saved view's config, then whatever the URL says on top of it
const state = stateFromConfig(data.view ? data.view.config : {});
const query = new URLSearchParams(location.search);
if (query.has("filter")) state.filter = JSON.parse(query.get("filter") || "null");
if (query.has("sort")) state.sort = query.get("sort");
if (query.has("q")) state.q = query.get("q");
if (query.has("columns")) state.columns = query.get("columns").split(",").filter((id) => fieldById[id]);
if (query.has("widths")) {
  state.widths = Object.fromEntries(query.get("widths").split(",").map((p) => p.split(":"))
    .filter(([id, w]) => fieldById[id] && Number(w) > 0).map(([id, w]) => [id, Number(w)]));
}

function visible() {
  return (state.columns || data.fields.map((f) => f.id)).filter((id) => fieldById[id]);
}

function stateParams(of = state) {
  const params = new URLSearchParams();
  if (of.filter) params.set("filter", JSON.stringify(of.filter));
  if (of.sort) params.set("sort", of.sort);
  if (of.q) params.set("q", of.q);
  if (of.columns) params.set("columns", of.columns.join(","));
  const widths = Object.entries(of.widths);
  if (widths.length) params.set("widths", widths.map(([id, w]) => `${id}:${w}`).join(","));
  return params;
}

// The URL says the view and, when the state differs from it, the state too.
let savedParams = stateParams(stateFromConfig(data.view ? data.view.config : {})).toString();
function writeUrl() {
  const params = stateParams();
  const url = new URLSearchParams();
  if (data.view) url.set("view", data.view.id);
  if (!data.view || params.toString() !== savedParams) params.forEach((v, k) => url.set(k, v));
  const search = url.toString();
  history.replaceState(null, "", location.pathname + (search ? `?${search}` : ""));
}

// --- header
function sortOf(id) {
  if (state.sort === id) return "ascending";
  if (state.sort === `-${id}`) return "descending";
  return "none";
}

function renderHeader() {
  const all = el("input", { type: "checkbox", id: "select-page", "aria-label": text.select_page });
  all.addEventListener("change", () => {
    for (const box of tbody.querySelectorAll(".row-select")) box.checked = all.checked;
    updateSelection();
  });
  const cells = [el("th", { class: "select-cell" }, all)];
  for (const id of visible()) {
    const f = fieldById[id];
    const direction = sortOf(id);
    const th = el("th", { dataset: { field: id }, "aria-sort": direction, scope: "col" });
    const label = el("span", { class: "th-label", text: f.label });
    if (f.sortable) {
      const button = el("button", { type: "button", class: "sort-button", title: format(text.sort_by, { name: f.label }) },
        label, el("span", { class: "sort-mark", "aria-hidden": "true",
                            text: { ascending: "▲", descending: "▼", none: "" }[direction] }));
      button.addEventListener("click", () => {
        state.sort = { none: id, ascending: `-${id}`, descending: "" }[direction];
        refresh();
      });
      th.append(button);
    } else {
      th.append(label);
    }
    const grip = el("span", { class: "col-resizer", role: "separator", "aria-orientation": "vertical",
                              "aria-label": format(text.resize, { name: f.label }) });
    grip.addEventListener("pointerdown", (event) => resize(event, th, id));
    th.append(grip);
    if (state.widths[id]) th.style.width = th.style.minWidth = `${state.widths[id]}px`;
    cells.push(th);
  }
  headerRow.replaceChildren(...cells);
}

function resize(event, th, id) {
  event.preventDefault();
  event.stopPropagation();
  const startX = event.clientX;
  const startWidth = th.getBoundingClientRect().width;
  const grip = event.currentTarget;
  grip.setPointerCapture(event.pointerId);
  const move = (e) => {
    const width = Math.max(48, Math.round(startWidth + e.clientX - startX));
    th.style.width = th.style.minWidth = `${width}px`;
    state.widths[id] = width;
  };
  const up = () => {
    grip.removeEventListener("pointermove", move);
    grip.removeEventListener("pointerup", up);
    writeUrl();
  };
  grip.addEventListener("pointermove", move);
  grip.addEventListener("pointerup", up);
}

Sortable.create(headerRow, {
  draggable: "th[data-field]", filter: ".col-resizer", preventOnFilter: false, forceFallback: true,
  animation: 120,
  onEnd: () => {
    state.columns = [...headerRow.querySelectorAll("th[data-field]")].map((th) => th.dataset.field);
    refresh();
  },
});

// --- columns menu: show and hide. The menu keeps the form's order while one clicks (a box
// never jumps away from under the pointer); a column shown again takes its place in the form's
// order among the visible ones, after any drag-reordering of the others.
function toggledColumns(id, show) {
  const current = visible();
  if (!show) return current.filter((fid) => fid !== id);
  const formOrder = data.fields.map((f) => f.id);
  const before = formOrder.slice(0, formOrder.indexOf(id)).filter((fid) => current.includes(fid));
  const at = before.length ? current.indexOf(before.at(-1)) + 1 : 0;
  return [...current.slice(0, at), id, ...current.slice(at)];
}

function renderColumnsMenu() {
  const list = $("columns-list");
  if (!list.children.length) {
    list.replaceChildren(...data.fields.map((f) => {
      const box = el("input", { type: "checkbox", value: f.id });
      box.addEventListener("change", () => {
        const next = toggledColumns(f.id, box.checked);
        if (!next.length) { box.checked = true; return; }  // one column always stays
        state.columns = next;
        refresh();
      });
      return el("label", { class: "check" }, box, f.label);
    }));
  }
  const shown = visible();
  for (const box of list.querySelectorAll("input")) box.checked = shown.includes(box.value);
}

// --- rows
let nextCursor = null;
let loading = 0;
async function loadRows(append = false) {
  const params = stateParams();
  params.delete("widths");
  params.set("columns", visible().join(","));
  if (append && nextCursor) params.set("cursor", nextCursor);
  const ticket = ++loading;
  const response = await fetch(`${data.base}/rows?${params}`, { headers: { Accept: "text/html" } });
  if (ticket !== loading) return;  // a newer request has been sent since
  if (!response.ok) {
    showMessage(await problemText(response, text.failed));
    return;
  }
  const html = await response.text();
  if (append) tbody.insertAdjacentHTML("beforeend", html);
  else tbody.innerHTML = html;
  nextCursor = response.headers.get("X-Next-Cursor") || null;
  $("load-more").hidden = !nextCursor;
  const total = response.headers.get("X-Total");
  if (total !== null) $("total").textContent = format(text.records, { n: total });
  updateSelection();
}

function refresh() {
  showMessage("");
  renderHeader();
  renderColumnsMenu();
  $("filter-count").textContent = filters.count() || "";
  $("quick-search").value = state.q;
  writeUrl();
  return loadRows(false);
}

$("load-more").addEventListener("click", () => loadRows(true));

// --- filter and search
const filters = new FilterBuilder($("filter-root"), data.fields, text);
filters.load(state.filter);
$("filter-toggle").addEventListener("click", () => {
  const panel = $("filter-panel");
  panel.hidden = !panel.hidden;
  $("filter-toggle").setAttribute("aria-expanded", String(!panel.hidden));
});
$("filter-apply").addEventListener("click", () => { state.filter = filters.build(); refresh(); });
$("filter-clear").addEventListener("click", () => { filters.load(null); state.filter = null; refresh(); });
let typing = null;
$("quick-search").addEventListener("input", (event) => {
  clearTimeout(typing);
  typing = setTimeout(() => { state.q = event.target.value.trim(); refresh(); }, 300);
});

// --- selection and bulk actions
function selectedRows() {
  return [...tbody.querySelectorAll(".row-select:checked")].map((box) => box.closest("tr"));
}

function updateSelection() {
  const rows = selectedRows();
  const boxes = tbody.querySelectorAll(".row-select");
  $("bulk-bar").hidden = rows.length === 0;
  $("selected-count").textContent = format(text.selected, { n: rows.length });
  const all = $("select-page");
  if (all) all.checked = boxes.length > 0 && rows.length === boxes.length;
  document.body.classList.toggle("has-selection", rows.length > 0);
}
tbody.addEventListener("change", (event) => {
  if (event.target.classList.contains("row-select")) updateSelection();
});
$("bulk-clear").addEventListener("click", () => {
  for (const box of tbody.querySelectorAll(".row-select")) box.checked = false;
  updateSelection();
});
$("bulk-edit").hidden = !data.can_update || !data.fields.some((f) => f.editable);
$("bulk-delete").hidden = !data.can_delete;

// "[1].amount: message" becomes "Record 7: message".
async function bulkProblem(response, rows) {
  try {
    const problem = await response.clone().json();
    const parts = [problem.title, problem.detail].filter(Boolean);
    for (const error of problem.errors || []) {
      const index = /^\[(\d+)\]/.exec(error.field);
      const row = index && rows[Number(index[1])];
      parts.push(row ? `${format(text.record, { id: row.dataset.id })}: ${error.message}` : error.message);
    }
    return parts.join(" ");
  } catch {
    return problemText(response, text.failed);
  }
}

function apiValue(field, raw) {
  if (Array.isArray(raw)) return raw;
  if (raw === "") return null;
  if (field.logical === "boolean") return raw === "true";
  if (field.logical === "user" || field.logical === "department") return Number(raw);
  return raw;
}

const editDialog = $("edit-dialog");
const editField = editDialog.querySelector("select[name=field]");
let editInput = null;
for (const f of data.fields.filter((f) => f.editable)) editField.append(el("option", { value: f.id, text: f.label }));
function fillEditValue() {
  const f = fieldById[editField.value];
  editInput = valueInput(f, "=", text, "edit");
  editDialog.querySelector("[data-role=value]").replaceChildren(el("label", {}, text.value, editInput.node));
}
editField.addEventListener("change", fillEditValue);

$("bulk-edit").addEventListener("click", async () => {
  const rows = selectedRows();
  fillEditValue();
  while (await ask(editDialog)) {
    const f = fieldById[editField.value];
    const value = apiValue(f, editInput.read());
    const records = rows.map((tr) => ({ id: Number(tr.dataset.id), version: Number(tr.dataset.version), [f.key]: value }));
    const response = await send("PATCH", `${data.api}/records:bulk`, { records });
    if (response.ok) {
      editDialog.close();
      await refresh();
      showMessage(format(text.updated, { n: rows.length }), "ok");
      return;
    }
    dialogError(editDialog, await bulkProblem(response, rows));
  }
});

const confirmDialog = $("confirm-dialog");
export async function confirmed(message, action) {
  $("confirm-text").textContent = message;
  while (await ask(confirmDialog)) {
    const error = await action();
    if (!error) { confirmDialog.close(); return true; }
    dialogError(confirmDialog, error);
  }
  return false;
}

$("bulk-delete").addEventListener("click", async () => {
  const rows = selectedRows();
  await confirmed(format(text.delete_confirm, { n: rows.length }), async () => {
    const records = rows.map((tr) => ({ id: Number(tr.dataset.id), version: Number(tr.dataset.version) }));
    const response = await send("DELETE", `${data.api}/records:bulk`, { records });
    if (!response.ok) return bulkProblem(response, rows);
    await refresh();
    showMessage(format(text.deleted, { n: rows.length }), "ok");
    return null;
  });
});

// --- saved views
bindViewSwitch();
bindSavedViews({
  data, text, confirmed,
  config: () => ({ filter: state.filter, sort: state.sort, columns: state.columns, widths: state.widths, search: state.q }),
  saved: () => { savedParams = stateParams().toString(); writeUrl(); },
});

refresh();
