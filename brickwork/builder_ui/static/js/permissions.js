// The permission designer (builder_ui/permissions.py): a card per role with its actions, its
// row scope (a fixed scope, or a condition from the table's filter builder) and each field's
// access; saved into the form definition's `permissions` as a draft, then published, like
// the form designer. The preview lists the records as one person sees them.
import { request } from "/static/js/designer_util.js";
import { el, format, pageData } from "/static/js/views_common.js";
import { FilterBuilder } from "/static/js/views_filter.js";

const S = pageData("perm-state");
const T = S.strings;
const ACTIONS = ["create", "read", "update", "delete"];
const ACCESS = [["write", T.write], ["read", T.read_only], ["none", T.none]];
const api = `/api/v1/apps/${encodeURIComponent(S.app)}/forms/${encodeURIComponent(S.form)}`;
const status = document.querySelector("[data-testid=perm-status]");
const cards = [];  // {role, read()} per role

function roleCard(role) {
  const entry = (S.body.permissions || []).find((p) => p.role === role.key) || null;
  const boxes = Object.fromEntries(ACTIONS.map((a) => [a, el("input", {
    type: "checkbox", name: `${role.key}.${a}`, checked: !!entry && entry.actions.includes(a),
    dataset: { action: a },
  })]));
  const scope = el("select", { "aria-label": `${role.label}: ${T.scope}`, dataset: { scope: role.key } },
    ...S.scopes.map((s) => el("option", { value: s, text: T[s] })),
    el("option", { value: "condition", text: T.condition }));
  const condition = typeof entry?.scope === "object" ? entry.scope : null;
  scope.value = condition ? "condition" : (entry?.scope || "own");
  const builderRoot = el("div", { class: "perm-condition" });
  const builder = new FilterBuilder(builderRoot, S.fields.filter((f) => f.operators.length), S.filter_text);
  if (condition) builder.load(condition);
  const showBuilder = () => { builderRoot.hidden = scope.value !== "condition"; };
  scope.addEventListener("change", showBuilder);
  showBuilder();
  const selects = {};
  const rows = S.fields.map((f) => {
    const select = el("select", { "aria-label": `${role.label}: ${f.label}`, dataset: { field: f.key } },
      ...ACCESS.map(([value, text]) => el("option", { value, text })));
    select.value = entry?.fields?.[f.id] || "write";
    selects[f.id] = select;
    return el("tr", {}, el("td", { text: f.label }), el("td", {}, select));
  });
  const fields = el("details", { class: "perm-fields" }, el("summary", { text: T.fields }),
    el("table", {}, el("tbody", {}, ...rows)));
  const card = el("section", { class: "card perm-role", dataset: { role: role.key } },
    el("h2", { text: `${role.label}${role.label !== role.key ? ` (${role.key})` : ""}` }),
    el("div", { class: "perm-actions-row" },
      ...ACTIONS.map((a) => el("label", {}, boxes[a], T[a]))),
    el("div", { class: "perm-scope" }, el("span", { text: T.scope }), scope), builderRoot, fields);
  const read = () => {
    const actions = ACTIONS.filter((a) => boxes[a].checked);
    if (!actions.length) return null;
    const access = Object.fromEntries(Object.entries(selects).filter(([, s]) => s.value !== "write")
      .map(([id, s]) => [id, s.value]));
    const chosen = scope.value === "condition" ? (builder.build() || "own") : scope.value;
    return { role: role.key, actions, scope: chosen, fields: access };
  };
  cards.push({ role, read });
  return card;
}

function permissions() {
  const known = new Set(S.roles.map((r) => r.key));
  const kept = (S.body.permissions || []).filter((p) => !known.has(p.role));
  return [...kept, ...cards.map((c) => c.read()).filter(Boolean)];
}

function problem(res) {
  if (res.status === 409) return T.stale;
  const data = res.data || {};
  return [data.title, ...(data.errors || []).map((e) => e.message)].filter(Boolean).join(" ") || T.failed;
}

async function save() {
  const body = { ...S.body, permissions: permissions() };
  const res = await request("PUT", `${api}?keep_invalid=false`, { body, revision: S.revision })
    .catch(() => ({ ok: false, status: 0, data: null }));
  if (!res.ok) { status.textContent = problem(res); return false; }
  S.body = res.data.body;
  S.revision = res.data.revision;
  status.textContent = T.saved;
  return true;
}

async function publish() {
  if (!(await save())) return;
  const res = await request("POST", `${api}:publish`, { revision: S.revision })
    .catch(() => ({ ok: false, status: 0, data: null }));
  if (!res.ok) { status.textContent = problem(res); return; }
  S.revision = 0;
  status.textContent = T.published;
}

function shown(value, field, names) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => shown(v, field, names)).join(", ");
  if (typeof value === "object") return value.title ?? value.name ?? value.label ?? value.id ?? "";
  const known = names[field.logical]?.get(value) ?? field.options?.find((o) => o.id === value)?.label;
  return known ?? String(value);
}

// The names of the people and departments the rows name by id: one request per kind.
async function namesOf(items, columns) {
  const names = {};
  for (const [logical, path] of [["user", "users:pick"], ["department", "departments:pick"]]) {
    const ids = new Set(columns.filter((f) => f.logical === logical)
      .flatMap((f) => items.flatMap((item) => [item[f.key]].flat())).filter((v) => Number.isInteger(v)));
    names[logical] = new Map();
    if (!ids.size) continue;
    const res = await request("GET", `/api/v1/${path}?ids=${[...ids].join(",")}`).catch(() => null);
    for (const found of (res?.ok ? res.data : [])) names[logical].set(found.id, found.name);
  }
  return names;
}

async function preview(event) {
  event.preventDefault();
  const text = event.target.elements.person.value;
  const id = (text.match(/#(\d+)\)?\s*$/) || [])[1];
  const out = document.querySelector("[data-testid=preview-table]");
  const count = document.querySelector("[data-testid=preview-count]");
  if (!id) return;
  const res = await request("GET", `${api}/preview/${id}?limit=100`).catch(() => ({ ok: false, data: null }));
  if (!res.ok) { count.textContent = problem(res) || T.preview_failed; out.replaceChildren(); return; }
  count.textContent = format(T.records, { n: res.data.total });
  const columns = S.fields.filter((f) => res.data.items.some((item) => f.key in item));
  const names = await namesOf(res.data.items, columns);
  out.replaceChildren(el("table", {},
    el("thead", {}, el("tr", {}, el("th", { text: "#" }), ...columns.map((f) => el("th", { text: f.label })))),
    el("tbody", {}, ...res.data.items.map((item) => el("tr", { dataset: { id: item.id } },
      el("td", { text: String(item.id) }),
      ...columns.map((f) => el("td", { dataset: { field: f.key }, text: shown(item[f.key], f, names) })))))));
}

async function people(input) {
  const res = await request("GET", `/api/v1/users:pick?q=${encodeURIComponent(input.value.replace(/\s*\(#\d+\)\s*$/, ""))}`)
    .catch(() => null);
  if (!res?.ok) return;
  document.getElementById("perm-people").replaceChildren(
    ...res.data.map((u) => el("option", { value: `${u.name} (#${u.id})` })));
}

const matrix = document.querySelector("[data-testid=perm-matrix]");
if (!S.roles.length) matrix.append(el("p", { class: "muted", text: T.no_roles }));
matrix.append(...S.roles.map(roleCard));
document.querySelector("[data-action=save]").addEventListener("click", save);
document.querySelector("[data-action=publish]").addEventListener("click", publish);
const form = document.querySelector("[data-preview-form]");
form.addEventListener("submit", preview);
form.elements.person.addEventListener("input", (e) => people(e.target));
people(form.elements.person);
