// The flow designer: the flow definition (kind "flow") drawn as DingTalk draws it, a vertical
// tree of cards from the submitter to the end. A "+" between any two cards adds a step; a
// group's branches stand side by side, the default branch last; a click on a card opens its
// settings in the side panel. Saving and publishing go through the definitions API with the
// draft revision (If-Match); a refused publish names each problem by node id
// ("nodes.<id>.<setting>") and the card of that node is outlined with the message on it.
import { h, newId, pick, request } from "/static/js/designer_util.js";
import { FilterBuilder } from "/static/js/views_filter.js";
import { DEPARTMENTS, NAMES, nodePanel } from "/static/js/flow_designer_panel.js";

const boot = JSON.parse(document.getElementById("flow-designer-state").textContent);
const T = boot.strings;
const API = `/api/v1/apps/${encodeURIComponent(boot.app)}/definitions/flow/${encodeURIComponent(boot.flow)}`;
const canvas = document.querySelector("[data-testid=flow-canvas]");
const panel = document.querySelector("[data-testid=flow-panel]");
const statusEl = document.querySelector("[data-testid=save-status]");
const alertEl = document.querySelector("[data-testid=designer-alert]");

export const S = { boot, T, body: structuredClone(boot.body), revision: boot.revision, selected: null,
  errors: {}, changes: 0, saved: 0 };
const GROUPS = new Set(["condition_group", "parallel_group"]);
const byId = Object.fromEntries(boot.fields.map((f) => [f.id, f]));
const byKey = Object.fromEntries(boot.fields.map((f) => [f.key, f]));

export const label = (item) => pick(item?.label, boot.locale);
export const fieldLabel = (f) => pick(f.label, boot.locale) || f.key;

// --- The tree: every node is held by a parent object's property ("next", or a branch's "node").

function* nodes(node) {
  for (; node; node = node.next) {
    yield node;
    for (const b of branchesOf(node)) yield* nodes(b.node);
  }
}
const branchesOf = (node) => [...(node.branches || []), ...(node.default ? [node.default] : [])];

export function find(id) {
  for (const node of nodes(S.body.root)) {
    if (node.id === id) return { node };
    for (const b of branchesOf(node)) if (b.id === id) return { branch: b, group: node };
  }
  return null;
}

function holderOf(target) {
  const visit = (holder, prop) => {
    for (let node = holder[prop], h0 = holder, p = prop; node; h0 = node, p = "next", node = node.next) {
      if (node === target) return [h0, p];
      for (const b of branchesOf(node)) { const found = visit(b, "node"); if (found) return found; }
    }
    return null;
  };
  return visit(S.body, "root");
}

function fresh(type) {
  const id = newId(type === "cc" ? "cc_" : GROUPS.has(type) ? "g_" : "n_");
  if (type === "approval") return { id, type, approvers: [], mode: "any" };
  if (type === "handler") return { id, type, approvers: [], mode: "any" };
  if (type === "cc") return { id, type, recipients: [] };
  if (type === "condition_group") {
    return { id, type, branches: [{ id: newId("b_"), label: { [boot.locale]: fmt(T.branch, 1) }, node: null }],
             default: { id: newId("b_"), label: { [boot.locale]: T.otherwise }, node: null } };
  }
  return { id, type, branches: [1, 2].map((n) => ({ id: newId("b_"), label: { [boot.locale]: fmt(T.parallel_branch, n) }, node: null })) };
}

function insert(holder, prop, type) {
  const node = fresh(type);
  node.next = holder[prop] || null;
  holder[prop] = node;
  changed();
  select(node.id);
}

function removeNode(node) {
  const [holder, prop] = holderOf(node);
  holder[prop] = node.next || null;
  if (S.selected === node.id) S.selected = null;
  changed();
}

function removeBranch(group, branch) {
  group.branches = group.branches.filter((b) => b !== branch);
  if (!group.branches.length) return removeNode(group);  // a group of no branches is no group
  if (S.selected === branch.id) S.selected = null;
  changed();
}

function moveBranch(group, index, step) {
  const [branch] = group.branches.splice(index, 1);
  group.branches.splice(index + step, 0, branch);
  changed();
}

function addBranch(group) {
  const n = group.branches.length + 1;
  const text = group.type === "condition_group" ? T.branch : T.parallel_branch;
  group.branches.push({ id: newId("b_"), label: { [boot.locale]: fmt(text, n) }, node: null });
  changed();
}

export function fmt(text, n) { return String(text).replace(/%\((\w+)\)s/g, () => n); }

// --- Drawing.

function summary(node) {
  const specs = node.approvers || node.recipients;
  if (node.type === "start") return S.body.initiators?.everyone === false ? T.some_submit : T.start_hint;
  if (!specs) return "";
  if (!specs.length) return T.nobody;
  return specs.map(specText).join(", ");
}

export function specText(spec) {
  const roles = Object.fromEntries(boot.roles.map((r) => [r.key, pick(r.label, boot.locale) || r.key]));
  switch (spec.source) {
    case "users": return (spec.users || []).map((id) => NAMES[id] || `#${id}`).join(", ") || T.nobody;
    case "role": return fmt(T.role_named, roles[spec.role] || spec.role || "?");
    case "dept_head": return fmt(T.head_named, spec.level || 1);
    case "manager_chain":
      return fmt(T.chain_named, spec.until_level ? fmt(T.level_n, spec.until_level)
        : spec.until_role ? (roles[spec.until_role] || spec.until_role) : T.top);
    case "field": return fmt(T.field_named, fieldLabel(byKey[spec.field] || byId[spec.field] || { key: spec.field }));
    default: return T.sources[spec.source] || spec.source;
  }
}

function messages(id) {
  const found = S.errors[id] || [];
  return found.length ? h("ul", { class: "fd-errors", dataset: { testid: "node-errors" } },
    found.map((m) => h("li", {}, m))) : null;
}

function card(node) {
  const title = label(node) || T[node.type] || node.type;
  return h("div", {
    class: `fd-card fd-${node.type}${S.errors[node.id] ? " fd-invalid" : ""}${S.selected === node.id ? " fd-selected" : ""}`,
    tabindex: "0", role: "button", dataset: { node: node.id, testid: "node-card", type: node.type },
    onclick: () => select(node.id), onkeydown: (e) => { if (e.key === "Enter") select(node.id); },
  },
  h("div", { class: "fd-card-head" }, h("span", { class: "fd-card-type" }, T[node.type] || node.type),
    node.type === "start" ? null : h("button", {
      type: "button", class: "fd-x", "aria-label": T.delete, title: T.delete, dataset: { testid: "delete-node" },
      onclick: (e) => { e.stopPropagation(); if (confirm(T.delete_confirm)) removeNode(node); },
    }, "×")),
  h("div", { class: "fd-card-title" }, title),
  h("div", { class: "fd-card-body muted" }, summary(node)),
  messages(node.id));
}

function plus(holder, prop) {
  const menu = h("div", { class: "fd-menu", hidden: true, role: "menu" },
    ["approval", "handler", "cc", "condition_group", "parallel_group"].map((type) => h("button", {
      type: "button", role: "menuitem", class: `fd-menu-item fd-${type}`, dataset: { add: type },
      onclick: () => insert(holder, prop, type),
    }, T[type])));
  const button = h("button", {
    type: "button", class: "fd-plus", "aria-label": T.add, title: T.add, "aria-haspopup": "menu",
    dataset: { testid: "add-step" },
    onclick: () => {
      const open = menu.hidden;
      canvas.querySelectorAll(".fd-menu").forEach((m) => { m.hidden = true; });
      menu.hidden = !open;
    },
  }, "+");
  return h("div", { class: "fd-link" }, button, menu);
}

function branchCard(group, branch, index, isDefault) {
  const conditional = group.type === "condition_group";
  let text;
  if (isDefault) text = T.otherwise_hint;
  else if (!conditional) text = T.parallel_hint;
  else text = branch.condition ? conditionText(branch.condition) : T.no_condition;
  return h("div", {
    class: `fd-card fd-branch${S.errors[branch.id] ? " fd-invalid" : ""}${S.selected === branch.id ? " fd-selected" : ""}`,
    tabindex: "0", role: "button", dataset: { node: branch.id, testid: "branch-card", default: String(isDefault) },
    onclick: () => select(branch.id), onkeydown: (e) => { if (e.key === "Enter") select(branch.id); },
  },
  h("div", { class: "fd-card-head" },
    h("span", { class: "fd-card-type" }, label(branch) || (isDefault ? T.otherwise : fmt(T.branch, index + 1))),
    isDefault ? null : h("span", { class: "fd-branch-tools" },
      // Conditions are tried left to right: moving a branch changes its priority.
      index > 0 ? h("button", { type: "button", class: "fd-x", "aria-label": T.move_left, title: T.move_left,
        dataset: { testid: "branch-left" }, onclick: (e) => { e.stopPropagation(); moveBranch(group, index, -1); } }, "‹") : null,
      index < group.branches.length - 1 ? h("button", { type: "button", class: "fd-x", "aria-label": T.move_right,
        title: T.move_right, dataset: { testid: "branch-right" },
        onclick: (e) => { e.stopPropagation(); moveBranch(group, index, 1); } }, "›") : null,
      h("button", {
        type: "button", class: "fd-x", "aria-label": T.delete, title: T.delete,
        onclick: (e) => { e.stopPropagation(); removeBranch(group, branch); },
      }, "×"))),
  h("div", { class: "fd-card-body muted" }, text),
  messages(branch.id));
}

// A condition as a short line: "Amount > 5000 AND ...".
const OPS = { "=": "=", "<>": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥" };
function conditionText(ast) {
  if (!ast || typeof ast !== "object") return "";
  if (ast.fn === "AND" || ast.fn === "OR") return ast.args.map(conditionText).join(` ${ast.fn} `);
  const [ref, ...rest] = ast.args || [];
  const f = byKey[ref?.ref] || byId[ref?.ref];
  const name = f ? fieldLabel(f) : ref?.ref || "?";
  const values = rest.map((a) => ("lit" in (a || {}) ? a.lit : "…")).join(", ");
  return `${name} ${OPS[ast.fn] || boot.filter[{ IN: "in", CONTAINS: "contains", STARTSWITH: "starts", ISBLANK: "blank", HAS: "has" }[ast.fn]] || ast.fn} ${values}`.trim();
}

function group(node) {
  const columns = branchesOf(node).map((b, i) => h("div", { class: "fd-column", dataset: { branch: b.id } },
    branchCard(node, b, i, b === node.default), plus(b, "node"), chain(b.node)));
  return h("div", { class: `fd-group fd-${node.type}${S.errors[node.id] ? " fd-invalid" : ""}`, dataset: { node: node.id, testid: "group" } },
    h("div", { class: "fd-group-head" },
      h("button", { type: "button", class: "fd-add-branch", dataset: { testid: "add-branch" },
                    onclick: () => addBranch(node) }, T.add_branch),
      h("button", { type: "button", class: "fd-x", "aria-label": T.delete, title: T.delete,
                    onclick: () => { if (confirm(T.delete_confirm)) removeNode(node); } }, "×")),
    messages(node.id),
    h("div", { class: "fd-columns" }, columns));
}

function chain(first) {
  const out = [];
  for (let node = first; node; node = node.next) {
    out.push(GROUPS.has(node.type) ? group(node) : card(node), plus(node, "next"));
  }
  return out;
}

export function render() {
  const root = S.body.root;
  canvas.replaceChildren(h("div", { class: "fd-tree" },
    card(root), plus(root, "next"), chain(root.next),
    h("div", { class: "fd-end", dataset: { testid: "flow-end" } }, T.end)));
  renderPanel();
}

// --- The side panel.

export function select(id) {
  S.selected = id;
  render();
  panel.querySelector("input, select, button")?.focus({ preventScroll: true });
}

function renderPanel() {
  const found = S.selected && find(S.selected);
  panel.hidden = !found;
  if (!found) { panel.replaceChildren(); return; }
  const close = h("button", { type: "button", class: "fd-x fd-close", "aria-label": T.close, title: T.close,
                              onclick: () => { S.selected = null; render(); } }, "×");
  const body = found.branch ? branchPanel(found.group, found.branch) : nodePanel(found.node, { changed, S, boot, T });
  panel.replaceChildren(close, ...(S.errors[S.selected] ? [messages(S.selected)] : []), body);
}

function labelInput(item) {
  return h("label", { class: "dz-prop" }, T.label, h("input", {
    value: label(item), dataset: { testid: "node-label" },
    oninput: (e) => { item.label = { ...(item.label || {}), [boot.locale]: e.target.value }; changed({ panel: false }); },
  }));
}
export { labelInput };

function branchPanel(groupNode, branch) {
  const parts = [labelInput(branch)];
  if (groupNode.type === "condition_group" && branch !== groupNode.default) {
    const fields = boot.fields.filter((f) => f.operators.length).map((f) => ({
      ...f, label: fieldLabel(f), options: f.options.map((o) => ({ id: o.id, label: pick(o.label, boot.locale) || o.id })),
    }));
    const box = h("div", { class: "filter-panel dz-builder", dataset: { testid: "branch-condition" } });
    const builder = new FilterBuilder(box, fields, boot.filter);
    builder.load(refs(branch.condition, (key) => byKey[key]?.id || key));
    // The builder says nothing when it changes: read it after every edit in it (designer_condition.js).
    const read = () => setTimeout(() => {
      const ast = builder.build();
      branch.condition = ast ? refs(simplest(ast), (id) => byId[id]?.key || id) : null;
      changed({ panel: false });
    });
    box.addEventListener("change", read);
    box.addEventListener("input", read);
    box.addEventListener("click", (e) => { if (e.target.closest("button")) read(); });
    parts.push(h("fieldset", { class: "dz-prop" }, h("legend", {}, T.condition), box));
  } else {
    parts.push(h("p", { class: "muted" }, branch === groupNode.default ? T.otherwise_hint : T.parallel_hint));
  }
  return h("div", { class: "fd-panel-body" }, parts);
}

// The definition names fields by key (what people read in the app file); the builder by id.
function refs(ast, map) {
  if (Array.isArray(ast)) return ast.map((a) => refs(a, map));
  if (!ast || typeof ast !== "object") return ast ?? null;
  const out = Object.fromEntries(Object.entries(ast).map(([k, v]) => [k, refs(v, map)]));
  if (typeof ast.ref === "string") out.ref = map(ast.ref);
  return out;
}
const simplest = (ast) => (ast && ["AND", "OR"].includes(ast.fn) && ast.args.length === 1 ? simplest(ast.args[0]) : ast);

// --- Saving and publishing.

function changed({ panel: redrawPanel = true } = {}) {
  S.changes += 1;
  statusEl.textContent = T.unsaved;
  if (redrawPanel) render();
  else canvasOnly();
}

function canvasOnly() {
  const keep = panel.hidden;
  const root = S.body.root;
  canvas.replaceChildren(h("div", { class: "fd-tree" },
    card(root), plus(root, "next"), chain(root.next),
    h("div", { class: "fd-end", dataset: { testid: "flow-end" } }, T.end)));
  panel.hidden = keep;
}

function showAlert(text) {
  alertEl.textContent = text || "";
  alertEl.hidden = !text;
}

// Each problem onto its node: "nodes.<id>..." names it; a model error ("$.root.next...") is
// walked down the body to the deepest node or branch it passes; the rest goes to the top.
function place(errors) {
  S.errors = {};
  const loose = [];
  for (const e of errors || []) {
    let id = null;
    if (e.field?.startsWith("nodes.")) id = e.field.slice(6).split(".")[0];
    else if (e.field?.startsWith("$.root")) id = deepest(e.field);
    if (id && find(id)) (S.errors[id] ||= []).push(e.message);
    else loose.push(e.message);
  }
  return loose;
}

function deepest(path) {
  let item = S.body;
  let id = null;
  for (const part of path.slice(2).split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "")) {
    item = item?.[/^\d+$/.test(part) ? Number(part) : part];
    if (item && typeof item === "object" && typeof item.id === "string") id = item.id;
  }
  return id;
}

function problem(res) {
  const loose = place(res.data?.errors);
  showAlert([res.data?.title || T.offline, ...loose].join(" "));
  render();
}

async function save() {
  const sent = S.changes;
  const res = await request("PUT", API, { body: S.body, revision: S.revision }).catch(() => null);
  if (!res) { showAlert(T.offline); return false; }
  if (res.ok) {
    S.revision = res.data.revision;
    S.saved = sent;
    statusEl.textContent = S.changes === sent ? T.saved : T.unsaved;
    showAlert("");
    if (Object.keys(S.errors).length) { S.errors = {}; render(); }
    return true;
  }
  if (res.status === 409 || res.status === 412) { showAlert(`${res.data?.title || ""} ${T.conflict}`); return false; }
  problem(res);
  return false;
}

async function publish() {
  if (S.changes !== S.saved || !S.revision) {
    if (!(await save())) return;
  }
  const res = await request("POST", `${API}:publish`, { revision: S.revision }).catch(() => null);
  if (!res) { showAlert(T.offline); return; }
  if (res.ok) {
    S.errors = {};
    S.revision = 0;
    showAlert("");
    statusEl.textContent = fmt(T.published, res.data.version);
    render();
    return;
  }
  if (res.status === 422) { problem({ data: { ...res.data, title: T.refused } }); return; }
  problem(res);
}

document.querySelector("[data-action=save]").addEventListener("click", save);
document.querySelector("[data-action=publish]").addEventListener("click", publish);
document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); }
});
window.addEventListener("beforeunload", (e) => { if (S.changes !== S.saved) e.preventDefault(); });

// The names of the people the flow names, for its cards (the body keeps their ids).
async function loadNames() {
  const ids = new Set();
  for (const node of nodes(S.body.root)) {
    for (const spec of [...(node.approvers || []), ...(node.recipients || [])]) (spec.users || []).forEach((id) => ids.add(id));
    if (node.assign_to) ids.add(node.assign_to);
    if (node.timeout?.transfer_to) ids.add(node.timeout.transfer_to);
  }
  [...(S.body.initiators?.users || []), ...(S.body.settings?.admins || [])].forEach((id) => ids.add(id));
  const departments = S.body.initiators?.departments || [];
  for (const [url, wanted, names] of [["users", [...ids], NAMES], ["departments", departments, DEPARTMENTS]]) {
    if (!wanted.length) continue;
    const res = await request("GET", `/api/v1/${url}:pick?ids=${wanted.slice(0, 100).join(",")}&limit=50`).catch(() => null);
    if (res?.ok) for (const item of res.data) names[item.id] = item.name;
  }
  render();
}

place(boot.problems);
render();
loadNames();
