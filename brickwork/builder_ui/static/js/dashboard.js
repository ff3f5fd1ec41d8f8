// A dashboard: report cards on a 12-column grid, the date filter applied to every card,
// each card's chart from dashboards/{key}/data (one call). Its designers arrange it here:
// drag the cards (SortableJS) to order them, size them with the buttons, add and remove
// reports, name the roles it is for, save and publish through the definitions API.
// On a phone the cards stack in one column (reports.css).
import Sortable from "/static/vendor/sortable.esm.js";
import { downloadPng, drawChart } from "/static/js/report_charts.js";
import { API, S, T, drillInto, labelsFor, problemText } from "/static/js/report_common.js";
import { h, request } from "/static/js/designer_util.js";

const root = document.querySelector("[data-testid=dashboard]");
const $ = (testid) => root.querySelector(`[data-testid=${testid}]`);
const grid = $("dashboard-grid");
const DEFINITION = `${API}/definitions/dashboard/${encodeURIComponent(S.key)}`;
const body = { ...S.body, cells: [...(S.body.cells || [])].sort((a, b) => a.y - b.y || a.x - b.x) };
const reports = {};  // report key → its live definition (label, query: for labels and drills)
let arranging = false;
let dirty = S.revision > 0;  // a draft differs from what dashboards/{key}/data reads
let revision = S.revision;
let sortable = null;

function filters() {
  const params = new URLSearchParams();
  for (const name of ["from", "to"]) {
    const value = $("dashboard-filters").elements[name].value;
    if (value) params.set(name, value);
  }
  return params;
}

async function definitionOf(key) {
  if (!(key in reports)) {
    const res = await request("GET", `${API}/definitions/report/${encodeURIComponent(key)}`);
    reports[key] = res.ok ? res.data.body : null;
  }
  return reports[key];
}

function labelOf(key) {
  const report = reports[key];
  const label = report && report.label;
  return (label && (label[S.locale] || Object.values(label)[0])) || key;
}

// --- the cards

function card(cell, index) {
  const chartBox = h("div", { class: "report-chart", dataset: { testid: "card-chart" } }, T.loading);
  const tools = h("div", { class: "db-tools" },
    h("button", { type: "button", class: "icon-button", title: T.chart, "aria-label": `PNG ${labelOf(cell.report)}`,
      onclick: () => { if (!downloadPng(chartBox, cell.report)) status(T.png_failed); } }, "PNG"),
    h("a", { class: "icon-button", href: xlsxOf(cell), dataset: { xlsx: "" }, "aria-label": `xlsx ${labelOf(cell.report)}` },
      "xlsx"));
  const article = h("article", { class: "db-card card", dataset: { report: cell.report, testid: "card", index } },
    h("header", { class: "db-card-head" },
      arranging ? h("span", { class: "db-grip", "aria-hidden": "true" }, "⠿") : null,
      h("h2", {}, labelOf(cell.report)), tools),
    arranging ? arrangeTools(cell) : null, chartBox);
  article.style.gridColumn = `span ${cell.w}`;
  article.style.gridRow = `span ${cell.h}`;
  return article;
}

// The card's rows as xlsx, under the filters as they are now (on the card's date field).
function xlsxOf(cell) {
  const params = filters();
  if (cell.date_field) params.set("date_field", cell.date_field);
  return `${API}/reports/${encodeURIComponent(cell.report)}/data.xlsx?${params}`;
}

function arrangeTools(cell) {
  const size = (dw, dh) => () => {
    cell.w = Math.min(12, Math.max(2, cell.w + dw));
    cell.h = Math.min(12, Math.max(2, cell.h + dh));
    touched();
  };
  const report = reports[cell.report];
  const form = S.forms.find((f) => f.key === report?.query?.source?.form);
  const dates = (form ? form.fields : []).filter((f) => f.logical === "date" || f.logical === "datetime");
  const dateField = h("select", { "aria-label": T.date_field, onchange: (e) => { cell.date_field = e.target.value || undefined; touched(); } },
    h("option", { value: "" }, T.no_date),
    ...[...dates, { key: "created_at", label: T.created_at }].map((f) => h("option", { value: f.key, selected: f.key === cell.date_field || undefined }, f.label)));
  return h("div", { class: "db-card-arrange" },
    h("button", { type: "button", class: "button", onclick: size(2, 0) }, T.wider),
    h("button", { type: "button", class: "button", onclick: size(-2, 0) }, T.narrower),
    h("button", { type: "button", class: "button", onclick: size(0, 1) }, T.taller),
    h("button", { type: "button", class: "button", onclick: size(0, -1) }, T.shorter),
    h("label", {}, `${T.date_field} `, dateField),
    h("button", { type: "button", class: "button", onclick: () => { body.cells.splice(body.cells.indexOf(cell), 1); touched(); } }, T.remove));
}

async function render() {
  await Promise.all(body.cells.map((c) => definitionOf(c.report)));
  grid.replaceChildren(...body.cells.map(card));
  if (!body.cells.length) grid.append(h("p", { class: "muted" }, T.add_first));
  if (sortable) sortable.destroy();
  sortable = arranging ? new Sortable(grid, { handle: ".db-card-head", animation: 150, onEnd: reorder }) : null;
  await loadData();
}

function reorder() {
  const order = [...grid.querySelectorAll(".db-card")].map((el) => Number(el.dataset.index));
  body.cells = order.map((i) => body.cells[i]);
  touched();
}

function touched() {
  dirty = true;
  pack();
  render();
}

// x and y from the order and sizes: left to right, a new line when a card does not fit.
function pack() {
  let x = 0; let y = 0; let line = 0;
  for (const cell of body.cells) {
    if (x + cell.w > 12) { x = 0; y += line; line = 0; }
    cell.x = x; cell.y = y;
    x += cell.w; line = Math.max(line, cell.h);
  }
}

// --- the data: one call for the published dashboard; each report alone while arranging

async function loadData() {
  const params = filters();
  let cells;
  if (S.published && !dirty && !arranging) {
    const res = await request("GET", `${API}/dashboards/${encodeURIComponent(S.key)}/data?${params}`);
    if (!res.ok) { alert(problemText(res)); return; }
    cells = res.data.cells;
  } else {
    cells = await Promise.all(body.cells.map(async (cell) => {
      const res = await request("GET", `${API}/reports/${encodeURIComponent(cell.report)}/data?${params}`);
      return res.ok ? { data: res.data } : { error: res.data || {} };
    }));
  }
  grid.querySelectorAll("[data-xlsx]").forEach((link, i) => { link.href = xlsxOf(body.cells[i]); });
  const boxes = grid.querySelectorAll("[data-testid=card-chart]");
  cells.forEach((entry, i) => {
    const box = boxes[i];
    if (!box) return;
    if (entry.error) { box.replaceChildren(h("p", { class: "muted" }, entry.error.title || T.cell_failed)); return; }
    const data = entry.data;
    // Nothing to chart (a new install, a filter that matches nothing): say so, not an empty axis.
    const empty = data.rfm ? !data.rfm.customers.length : Array.isArray(data.rows) && !data.rows.length;
    if (empty || (data.rfm && !data.chart)) {
      box.replaceChildren(h("p", { class: "muted", dataset: { testid: "card-empty" } }, T.empty));
      return;
    }
    const report = reports[body.cells[i].report];
    const formKey = report?.query?.source?.form;
    const label = labelsFor(formKey, data);
    drawChart(box, data.chart, data, {
      label, T,
      onPick: report?.query ? (cell) => drillInto($("drill"), withFilters(report.query, body.cells[i]), cell,
        Object.entries(cell).map(([id, v]) => label.value(id, v)).join(" · ")) : null,
    });
  });
}

// The report's query with the dashboard's date filter, as dashboards/{key}/data applies it.
function withFilters(query, cell) {
  const params = filters();
  const field = cell.date_field || query.date_range?.field;
  if (!field || (!params.get("from") && !params.get("to"))) return query;
  const range = { field };
  if (params.get("from")) range.from = params.get("from");
  if (params.get("to")) range.to = params.get("to");
  return { ...query, date_range: range };
}

function alert(text) {
  $("dashboard-alert").textContent = text;
  $("dashboard-alert").hidden = !text;
}

function status(text) { $("dashboard-status").textContent = text; }

// --- arranging, saving, publishing

function outgoing() {
  const text = $("dashboard-label").value.trim();
  const label = { ...(body.label || {}) };
  if (text) label[S.locale] = text; else delete label[S.locale];
  const roles = [...$("dashboard-roles").querySelectorAll("input:checked")].map((i) => i.value);
  return { key: S.key, label, cells: body.cells.map(({ report, x, y, w, h: height, date_field }) => ({
    report, x, y, w, h: height, ...(date_field ? { date_field } : {}) })), controls: body.controls || { date_range: true }, roles };
}

async function save() {
  const res = await request("PUT", DEFINITION, { body: outgoing(), revision });
  if (!res.ok) { alert(res.status === 409 || res.status === 412 ? T.stale : problemText(res)); return false; }
  revision = res.data.revision;
  alert("");
  status(T.saved);
  return true;
}

async function publish() {
  if (!(await save())) return;
  const res = await request("POST", `${DEFINITION}:publish`, { revision });
  if (!res.ok) { alert(problemText(res)); return; }
  revision = 0;
  S.published = true;
  dirty = false;
  status(T.published);
}

function setupArrange() {
  if (!S.designer) return;
  $("dashboard-label").value = body.label?.[S.locale] || Object.values(body.label || {})[0] || "";
  const add = $("add-report");
  add.replaceChildren(h("option", { value: "" }, "—"), ...S.reports.map((r) => h("option", { value: r.key }, r.label)));
  add.addEventListener("change", () => {
    if (!add.value) return;
    body.cells.push({ report: add.value, x: 0, y: 0, w: 6, h: 4 });
    add.value = "";
    touched();
  });
  $("dashboard-roles").replaceChildren(...S.roles.map((r) => h("label", {},
    h("input", { type: "checkbox", value: r.key, checked: (body.roles || []).includes(r.key) || undefined }), ` ${r.label}`)));
  root.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]")?.dataset.action;
    if (action === "arrange") {
      arranging = !arranging;
      event.target.setAttribute("aria-pressed", String(arranging));
      for (const id of ["arrange-panel", "save", "publish"]) $(id).hidden = !arranging;
      render();
    }
    if (action === "save") save();
    if (action === "publish") publish();
  });
  if (!S.published) root.querySelector("[data-action=arrange]").click();
}

$("dashboard-filters").addEventListener("submit", (e) => { e.preventDefault(); $("drill").hidden = true; loadData(); });
$("dashboard-filters").addEventListener("reset", () => setTimeout(loadData));
setupArrange();
if (S.published || !S.designer) render();
root.dataset.ready = "true";
