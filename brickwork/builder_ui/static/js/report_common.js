// What the report designer and the dashboard share: the page's state, the fields of a form as
// a chart labels them, showing a problem, and the drill-through list (the records behind a
// clicked bar, read from the record API with the filter reports:drill returned).
import { labeller } from "/static/js/report_charts.js";
import { format, h, request } from "/static/js/designer_util.js";

export const S = JSON.parse(document.querySelector("script[id$='-state']").textContent);
export const T = S.T;
export const API = `/api/v1/apps/${encodeURIComponent(S.app)}`;
const DRILL_ROWS = 50;

// The record's own columns a report can group by, besides the form's fields.
export function systemFields() {
  return [
    { key: "owner", label: T.owner, logical: "user" }, { key: "department", label: T.department, logical: "department" },
    { key: "created_at", label: T.created_at, logical: "datetime" }, { key: "updated_at", label: T.updated_at, logical: "datetime" },
  ];
}

export function formOf(key) {
  return S.forms.find((f) => f.key === key) || null;
}

// field key → {label, options: {option id: label}}: what labeller() needs.
export function fieldWords(formKey) {
  const form = formOf(formKey);
  const words = Object.fromEntries(systemFields().map((f) => [f.key, { label: f.label }]));
  for (const f of form ? form.fields : []) {
    words[f.key] = { label: f.label, options: Object.fromEntries((f.options || []).map((o) => [o.id, o.label])) };
  }
  return words;
}

export function labelsFor(formKey, data) {
  return labeller(data, fieldWords(formKey), T, S.provinces);
}

export function problemText(res) {
  const data = res && res.data;
  if (!data || typeof data !== "object") return T.failed;
  const lines = [data.title || T.failed, ...(data.errors || []).map((e) => e.message)];
  return [...new Set(lines.filter(Boolean))].join(" ");
}

function shown(value, field) {
  if (value === null || value === undefined || value === "") return "";
  if (field && field.options && field.options.length) {
    const option = field.options.find((o) => o.id === value);
    if (option) return option.label;
  }
  if (typeof value === "object") return value.name || value.title || JSON.stringify(value);
  return String(value);
}

// The records behind a clicked cell, listed in ``panel`` (title, list, link to the table).
export async function drillInto(panel, query, cell, cellText) {
  const asked = await request("POST", `${API}/reports:drill`, { body: { query, cell, mode: "through" } });
  panel.hidden = false;
  const title = panel.querySelector("[data-testid=drill-title]");
  const list = panel.querySelector("[data-testid=drill-records]");
  const link = panel.querySelector("[data-testid=drill-table]");
  if (!asked.ok) {
    title.textContent = problemText(asked);
    list.replaceChildren();
    link.hidden = true;
    return;
  }
  const { form, filter } = asked.data;
  const params = new URLSearchParams({ limit: String(DRILL_ROWS) });
  if (filter) params.set("filter", JSON.stringify(filter));
  const got = await request("GET", `${API}/forms/${encodeURIComponent(form)}/records?${params}`);
  if (!got.ok) {
    title.textContent = problemText(got);
    list.replaceChildren();
    link.hidden = true;
    return;
  }
  const fields = (formOf(form)?.fields || []).slice(0, 4);
  const items = got.data.items || [];
  title.textContent = format(T.drilled, { cell: cellText, n: got.data.total ?? items.length });
  list.replaceChildren(...items.map((r) => h("li", { dataset: { record: r.id } },
    h("a", { href: `/apps/${S.app}/forms/${form}/records/${r.id}` }, format(T.record, { id: r.id })),
    ...fields.map((f) => shown(r[f.key], f)).filter(Boolean).map((v) => h("span", { class: "muted" }, ` · ${v}`)))));
  link.hidden = false;
  link.textContent = T.more_records;
  link.href = `/apps/${S.app}/forms/${form}${filter ? `?filter=${encodeURIComponent(JSON.stringify(filter))}` : ""}`;
}
