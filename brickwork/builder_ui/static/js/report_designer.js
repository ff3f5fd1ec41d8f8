// The report designer: pick a form, group by fields (dates by day … year), add measures,
// filter with the filter builder, choose a chart, sort and a top N. Every change runs the
// query (reports:query) for a live preview; clicking a bar lists the records behind it.
// Save and publish go through the definitions API; a problem is shown on the part it names.
import { downloadPng, drawChart } from "/static/js/report_charts.js";
import { API, S, T, drillInto, formOf, labelsFor, problemText, systemFields } from "/static/js/report_common.js";
import { h, request } from "/static/js/designer_util.js";
import { FilterBuilder } from "/static/js/views_filter.js";
import Sortable from "/static/vendor/sortable.esm.js";

const root = document.querySelector("[data-testid=report-designer]");
const $ = (testid) => root.querySelector(`[data-testid=${testid}]`);
const DEFINITION = `${API}/definitions/report/${encodeURIComponent(S.key)}`;
const DATES = new Set(["date", "datetime"]);
const NUMBERS = new Set(["number"]);
let revision = S.revision;
let filterBuilder = null;
let lastQuery = null;

const body = S.body || { key: S.key, label: {}, query: { source: { form: S.forms[0]?.key || "" }, measures: [{ id: "m1", agg: "count" }] },
  chart: { type: "table", options: {} } };
if (!body.query) body.query = { source: { form: body.rfm?.form || S.forms[0]?.key || "" }, measures: [{ id: "m1", agg: "count" }] };

function option(value, text, selected) {
  return h("option", { value, selected: selected || undefined }, text);
}

function fieldsOf(formKey) {
  const form = formOf(formKey);
  return [...(form ? form.fields.filter((f) => !["subform", "attachment", "image", "signature"].includes(f.type)) : []),
    ...systemFields()];
}

// --- building the rows

// Ids stay what they were (a sort, a rank or a calculated measure names them); a new row
// gets the next free one.
function freshId(prefix) {
  const taken = new Set([...root.querySelectorAll(".rd-row")].map((li) => li.dataset.id));
  for (let n = 1; ; n++) if (!taken.has(`${prefix}${n}`)) return `${prefix}${n}`;
}

function dimensionRow(dim) {
  const fields = fieldsOf($("report-form").value);
  const field = h("select", { class: "dim-field", "aria-label": T.group_field },
    fields.map((f) => option(f.key, f.label, f.key === dim.field)));
  const grain = h("select", { class: "dim-grain", "aria-label": T.grain },
    T.order.grains.map((g) => option(g, T.grains[g], g === (dim.grain || ""))));
  const showGrain = () => {
    const f = fields.find((x) => x.key === field.value);
    grain.hidden = !(f && DATES.has(f.logical));
  };
  field.addEventListener("change", () => { grain.value = grain.hidden ? "" : grain.value; showGrain(); changed(); });
  grain.addEventListener("change", changed);
  showGrain();
  return h("li", { class: "rd-row", dataset: { id: dim.id || freshId("d") } }, field, grain, removeButton());
}

function measureRow(m) {
  if (m.calc || m.filter || (m.period && m.period !== "current")) {  // made through the API: kept as it is
    return h("li", { class: "rd-row", dataset: { id: m.id, kept: JSON.stringify(m) } },
      h("span", { class: "measure-kept" }, `${m.id} (${m.calc ? "calc" : T.aggs[m.agg] || m.agg})`), removeButton());
  }
  const fields = fieldsOf($("report-form").value);
  const agg = h("select", { class: "measure-agg", "aria-label": T.measure }, T.order.aggs.map((a) => option(a, T.aggs[a], a === m.agg)));
  const field = h("select", { class: "measure-field", "aria-label": T.measure_field });
  const fill = () => {
    const keep = field.value || m.field || "";
    const numeric = ["sum", "avg"].includes(agg.value);
    const choices = fields.filter((f) => !numeric || NUMBERS.has(f.logical) || f.type === "money");
    field.replaceChildren(...(agg.value === "count" ? [option("", T.records_field)] : []),
      ...choices.map((f) => option(f.key, f.label)));
    if ([...field.options].some((o) => o.value === keep)) field.value = keep;
  };
  agg.addEventListener("change", () => { fill(); changed(); });
  field.addEventListener("change", changed);
  fill();
  return h("li", { class: "rd-row", dataset: { id: m.id || freshId("m") } }, agg, field, removeButton());
}

function removeButton() {
  return h("button", { type: "button", class: "icon-button", "aria-label": T.remove,
    onclick: (e) => { e.target.closest("li").remove(); changed(); } }, "×");
}

// The form's fields as chips that drag (a copy) into Group by or Measures; the rows of
// both lists can be dragged to reorder them.
function fillChips() {
  $("field-chips").replaceChildren(...fieldsOf($("report-form").value).map((f) =>
    h("span", { class: "rd-chip", dataset: { key: f.key } }, f.label)));
}

function dropped(list, make) {
  return (event) => {
    const key = event.item.dataset.key;
    if (key === undefined) return;  // a row moved within its list
    event.item.replaceWith(make(fieldsOf($("report-form").value).find((f) => f.key === key) || { key }));
    changed();
  };
}

function setupDrag() {
  const common = { animation: 120, forceFallback: true, fallbackOnBody: true };
  Sortable.create($("field-chips"), { ...common, sort: false, group: { name: "report", pull: "clone", put: false } });
  const rows = { ...common, group: { name: "report", pull: false, put: true }, filter: "select, button, input",
    preventOnFilter: false, onUpdate: changed };
  Sortable.create($("dimensions"), { ...rows, onAdd: dropped("dimensions", (f) => dimensionRow({ field: f.key,
    grain: DATES.has(f.logical) ? "month" : undefined })) });
  Sortable.create($("measures"), { ...rows, onAdd: dropped("measures", (f) => measureRow({ field: f.key,
    agg: NUMBERS.has(f.logical) ? "sum" : "count_distinct" })) });
}

// The rows of a list (not a chip on its way in while it is dragged).
function rowsOf(list) {
  return [...$(list).querySelectorAll(":scope > .rd-row")];
}

function fillForms() {
  $("report-form").replaceChildren(...S.forms.map((f) => option(f.key, f.label, f.key === body.query.source.form)));
}

let keptFilter = null;  // a condition the builder cannot show (written through the API): kept as it is

function fillFilter(ast) {
  const form = formOf($("report-form").value);
  filterBuilder = new FilterBuilder($("report-filter"), form ? form.fields : [], T.filter);
  filterBuilder.load(ast || null);
  keptFilter = null;
  if (ast && JSON.stringify(filterBuilder.build()) !== JSON.stringify(ast)) {
    keptFilter = ast;
    $("report-filter").replaceChildren(h("p", { class: "muted" }, T.kept_filter));
  }
}

function load() {
  $("report-label").value = body.label?.[S.locale] || Object.values(body.label || {})[0] || "";
  fillForms();
  fillChips();
  $("dimensions").replaceChildren(...(body.query.dimensions || []).map(dimensionRow));
  $("measures").replaceChildren(...(body.query.measures || []).map(measureRow));
  fillFilter(body.query.filters);
  $("report-chart").replaceChildren(...T.order.charts.map((c) => option(c, T.charts[c], c === body.chart.type)));
  $("report-dir").replaceChildren(option("desc", T.descending), option("asc", T.ascending));
  const sort = (body.query.sort || [])[0];
  if (sort) $("report-dir").value = sort.dir;
  $("report-limit").value = body.query.limit || "";
  fillSort(sort ? sort.by : "");
}

function fillSort(keep) {
  const sort = $("report-sort");
  keep = keep ?? sort.value;
  const dims = rowsOf("dimensions").map((li) => [li.dataset.id, li.querySelector(".dim-field").selectedOptions[0]?.text]);
  const measures = rowsOf("measures").map((li) => [li.dataset.id, li.dataset.kept ? li.textContent.replace("×", "")
    : `${li.querySelector(".measure-agg").selectedOptions[0]?.text} ${li.querySelector(".measure-field").selectedOptions[0]?.text || ""}`]);
  sort.replaceChildren(option("", T.no_sort), ...[...dims, ...measures].map(([id, text]) => option(id, text)));
  if ([...sort.options].some((o) => o.value === keep)) sort.value = keep;
}

// --- the definition as the page shows it

function readQuery() {
  const query = { source: { form: $("report-form").value } };
  query.dimensions = rowsOf("dimensions").map((li) => {
    const grain = li.querySelector(".dim-grain");
    const dim = { id: li.dataset.id, field: li.querySelector(".dim-field").value };
    if (!grain.hidden && grain.value) dim.grain = grain.value;
    return dim;
  });
  query.measures = rowsOf("measures").map((li) => {
    if (li.dataset.kept) return JSON.parse(li.dataset.kept);
    const m = { id: li.dataset.id, agg: li.querySelector(".measure-agg").value };
    const field = li.querySelector(".measure-field").value;
    if (field) m.field = field;
    return m;
  });
  for (const kept of ["date_range", "members", "departments"]) {  // set through the API: kept
    if (body.query[kept] && $("report-form").value === body.query.source.form) query[kept] = body.query[kept];
  }
  const filters = keptFilter || (filterBuilder ? filterBuilder.build() : null);
  if (filters) query.filters = filters;
  const by = $("report-sort").value;
  if (by) query.sort = [{ by, dir: $("report-dir").value }];
  const limit = parseInt($("report-limit").value, 10);
  if (limit > 0) query.limit = limit;
  if ($("report-chart").value === "leaderboard" && query.measures.length) {
    query.rank = { by: query.measures[0].id, id: "rank" };
    if (!by) query.sort = [{ by: query.measures[0].id, dir: "desc" }];
  }
  return query;
}

function readBody() {
  const text = $("report-label").value.trim();
  const label = { ...(body.label || {}) };
  if (text) label[S.locale] = text; else delete label[S.locale];
  const chart = { type: $("report-chart").value, options: body.chart?.type === $("report-chart").value ? body.chart.options || {} : {} };
  return { key: S.key, label, query: readQuery(), chart };
}

// --- problems on the part they name

function clearProblems() {
  $("report-alert").hidden = true;
  root.querySelectorAll(".rd-problem").forEach((p) => p.remove());
}

function showProblem(res) {
  clearProblems();
  $("report-alert").textContent = res.data?.title || T.failed;
  $("report-alert").hidden = false;
  const errors = res.data?.errors || [];
  if (!errors.length) $("report-alert").textContent = problemText(res);
  for (const e of errors) {
    const part = (String(e.field || "").match(/(dimensions|measures|filters|chart|sort|limit|label|key|source|rank)/) || [])[1];
    const target = root.querySelector(`[data-part=${{ rank: "sort", limit: "sort", key: "label" }[part] || part}]`)
      || $("report-alert");
    if (target === $("report-alert")) { target.textContent += ` ${e.message}`; continue; }
    target.append(h("p", { class: "field-error rd-problem", role: "alert" }, e.message));
  }
}

// --- preview, drill

let timer = null;
function changed() {
  fillSort();
  clearTimeout(timer);
  timer = setTimeout(preview, 250);
}

async function preview() {
  const query = readQuery();
  const box = $("report-preview");
  $("drill").hidden = true;
  if (!query.measures.length) { box.replaceChildren(h("p", { class: "muted" }, T.need_measure)); return; }
  const chart = { type: $("report-chart").value, options: readBody().chart.options };
  box.setAttribute("aria-busy", "true");
  const res = await request("POST", `${API}/reports:query`, { body: { query, chart } });
  box.removeAttribute("aria-busy");
  if (!res.ok) { showProblem(res); box.replaceChildren(); return; }
  clearProblems();
  lastQuery = query;
  const label = labelsFor(query.source.form, res.data);
  drawChart(box, res.data.chart, res.data, {
    label, T,
    onPick: (cell) => drillInto($("drill"), lastQuery, cell,
      Object.entries(cell).map(([id, v]) => label.value(id, v)).join(" · ")),
  });
  box.dataset.rows = String(res.data.rows.length);
}

// --- save, publish, export

function status(text) { $("report-status").textContent = text; }

async function save() {
  const res = await request("PUT", DEFINITION, { body: readBody(), revision });
  if (!res.ok) {
    showProblem(res.status === 409 || res.status === 412 ? { data: { title: T.stale } } : res);
    return false;
  }
  revision = res.data.revision;
  clearProblems();
  status(T.saved);
  return true;
}

async function publish() {
  if (!(await save())) return;
  const res = await request("POST", `${DEFINITION}:publish`, { revision });
  if (!res.ok) { showProblem(res); return; }
  revision = 0;
  S.published = true;
  $("export-xlsx").hidden = false;
  status(T.published);
}

root.addEventListener("click", (event) => {
  const action = event.target.closest("[data-action]")?.dataset.action;
  if (action === "save") save();
  if (action === "publish") publish();
  if (action === "png" && !downloadPng($("report-preview"), S.key)) status(T.png_failed);
});
$("add-dimension").addEventListener("click", () => { $("dimensions").append(dimensionRow({ field: fieldsOf($("report-form").value)[0]?.key })); changed(); });
$("add-measure").addEventListener("click", () => { $("measures").append(measureRow({ agg: "count" })); changed(); });
$("report-form").addEventListener("change", () => {
  $("dimensions").replaceChildren();
  $("measures").replaceChildren(measureRow({ agg: "count" }));
  fillChips();
  fillFilter(null);
  changed();
});
for (const id of ["report-chart", "report-sort", "report-dir", "report-limit"]) $(id).addEventListener("change", changed);
$("report-filter").addEventListener("change", changed);
$("report-filter").addEventListener("click", (e) => { if (e.target.closest(".remove-row, .remove-group")) changed(); });

load();
setupDrag();
preview();
root.dataset.ready = "true";  // the handlers are on (tests wait for it)
