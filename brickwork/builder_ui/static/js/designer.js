// The form designer: the definition lives here as JSON, is drawn on the canvas, edited in
// the properties pane and saved as a draft through the API (If-Match: the draft revision).
import Sortable from "/static/vendor/sortable.esm.js";
import { h, newId, pick, request, slug, uniqueKey } from "/static/js/designer_util.js";
import { renderProps } from "/static/js/designer_props.js";
import { setupActions } from "/static/js/designer_publish.js";
import { refreshPreview } from "/static/js/designer_preview.js";

const boot = JSON.parse(document.getElementById("designer-state").textContent);
const T = boot.strings;
const API = `/api/v1/apps/${encodeURIComponent(boot.app)}/forms/${encodeURIComponent(boot.form)}`;
export const PAGE = `/apps/${encodeURIComponent(boot.app)}/forms/${encodeURIComponent(boot.form)}`;

// Everything the page knows. `errors` maps an element id (or "form", or "$") to
// {property: [messages]}; `autoKey` holds the fields whose key still follows the English label.
export const S = {
  boot, T, API, body: normalise(structuredClone(boot.body)), revision: boot.revision, hasDraft: boot.has_draft,
  selected: null, errors: {}, autoKey: new Set(), changes: 0, savedChanges: 0, saving: null, conflict: false,
  offline: false, preview: false,
};

const canvas = document.querySelector(".dz-rows");
const statusEl = document.querySelector("[data-testid=save-status]");
const alertEl = document.querySelector("[data-testid=designer-alert]");
let sortables = [];
// Pointer-driven drags (the same on mouse and touch); on touch a short press first, so a tap
// stays a tap and a swipe scrolls the page.
// While a drag is under way the canvas is not redrawn (an autosave's answer would otherwise
// pull the dragged element from under the pointer); it is redrawn when the drop ends.
const DRAG = { animation: 120, forceFallback: true, fallbackOnBody: true, fallbackTolerance: 3, delay: 200,
  delayOnTouchOnly: true, onStart: () => { S.dragging = true; } };

// Every field and section gets a row, so the layout alone says where things stand.
export function normalise(body) {
  body.fields ||= []; body.sections ||= []; body.layout ||= []; body.trash ||= []; body.backups ||= [];
  const known = new Set([...body.fields.map((f) => f.id), ...body.sections.map((s) => s.id)]);
  const placed = new Set();
  body.layout = body.layout.map((row) => row.filter((id) => known.has(id) && !placed.has(id) && placed.add(id)))
    .filter((row) => row.length);
  for (const item of [...body.sections, ...body.fields]) if (!placed.has(item.id)) body.layout.push([item.id]);
  return body;
}

// A sub-form's columns are fields too: nested in its `fields`, edited like any other.
export function field(id) {
  for (const f of S.body.fields) {
    if (f.id === id) return f;
    const child = f.type === "subform" ? (f.fields || []).find((c) => c.id === id) : null;
    if (child) return child;
  }
  return undefined;
}
export function parentOf(id) {
  return S.body.fields.find((f) => f.type === "subform" && (f.fields || []).some((c) => c.id === id)) || null;
}
// The fields a field stands among: its sub-form's columns, or the form's fields.
export function siblings(id) { return parentOf(id)?.fields || S.body.fields; }
// What a sub-form row may hold: anything but sub-forms, serial numbers and links to many.
export function rowType(type) { return !["subform", "autonumber", "section"].includes(type); }
export function section(id) { return S.body.sections.find((s) => s.id === id); }
export function label(item) { return pick(item.label, boot.locale) || item.key || ""; }

export function takenKeys(exceptId) {
  return new Set(siblings(exceptId).filter((f) => f.id !== exceptId).map((f) => f.key));
}

// A new field's key follows its English label, else field_<n>; always unique.
export function autoKey(f) {
  f.key = uniqueKey(slug(f.label.en || ""), takenKeys(f.id));
}

function newField(type, parent = null) {
  const name = boot.types[type].name;
  const f = { id: newId("f_"), key: "", label: { [boot.locale]: name }, type };
  if (type === "select" || type === "multiselect") {
    f.options = [1, 2].map((n) => ({ id: newId("o_"), label: { [boot.locale]: `${T.option} ${n}` } }));
  }
  if (boot.types[type].settings.includes("target")) f.target = boot.form;
  if (type === "rollup") f.aggregate = "count";
  if (type === "subform") f.fields = [];
  (parent ? parent.fields : S.body.fields).push(f);
  S.autoKey.add(f.id);
  autoKey(f);
  return f.id;
}

function newSection() {
  const s = { id: newId("s_"), label: { [boot.locale]: T.new_section } };
  S.body.sections.push(s);
  return s.id;
}

function create(type) { return type === "section" ? newSection() : newField(type); }

// --- changes

export function changed({ canvasToo = true } = {}) {
  S.changes += 1;
  if (canvasToo) renderCanvas();
  showStatus();
  clearTimeout(changed.timer);
  changed.timer = setTimeout(() => save(), 1200);
  if (S.preview) refreshPreview();
}

export function select(id, { focus = false } = {}) {
  S.selected = id;
  renderCanvas();
  renderProps();
  if (focus) canvas.querySelector(`[data-id="${CSS.escape(id)}"]`)?.focus();
}

export function rowOf(id) { return S.body.layout.findIndex((row) => row.includes(id)); }

// Up/down: a field out of a shared row gets a row of its own; a row of its own swaps with its neighbour.
export function move(id, step) {
  const parent = parentOf(id);
  if (parent) {  // a column moves left or right among its sub-form's columns
    const cols = parent.fields;
    const i = cols.findIndex((c) => c.id === id);
    if (i + step < 0 || i + step >= cols.length) return;
    [cols[i], cols[i + step]] = [cols[i + step], cols[i]];
    changed();
    select(id, { focus: true });
    return;
  }
  const layout = S.body.layout;
  const r = rowOf(id);
  if (r < 0) return;
  if (layout[r].length > 1) {
    layout[r] = layout[r].filter((x) => x !== id);
    layout.splice(step < 0 ? r : r + 1, 0, [id]);
  } else {
    const other = r + step;
    if (other < 0 || other >= layout.length) return;
    [layout[r], layout[other]] = [layout[other], layout[r]];
  }
  changed();
  select(id, { focus: true });
}

export function besideAbove(id) {
  const layout = S.body.layout;
  const r = rowOf(id);
  if (r < 1 || section(layout[r - 1][0]) || layout[r - 1].length >= 3 || section(id)) return;
  layout[r] = layout[r].filter((x) => x !== id);
  layout[r - 1].push(id);
  S.body.layout = layout.filter((row) => row.length);
  changed();
  select(id, { focus: true });
}

export function remove(id) {
  const parent = parentOf(id);
  if (parent) {
    parent.fields = parent.fields.filter((c) => c.id !== id);
    delete S.errors[id];
    changed();
    select(parent.id, { focus: true });
    return;
  }
  const r = rowOf(id);
  S.body.fields = S.body.fields.filter((f) => f.id !== id);
  S.body.sections = S.body.sections.filter((s) => s.id !== id);
  S.body.layout = S.body.layout.map((row) => row.filter((x) => x !== id)).filter((row) => row.length);
  delete S.errors[id];
  S.selected = null;
  changed();
  renderProps();
  const next = S.body.layout[Math.min(r, S.body.layout.length - 1)];
  if (next) canvas.querySelector(`[data-id="${CSS.escape(next[0])}"]`)?.focus();
}

export function restoreField(f, fromTrash) {
  if (fromTrash) S.body.trash = S.body.trash.filter((t) => t.field.id !== f.id);
  S.body.fields.push(structuredClone(f));
  S.body.layout.push([f.id]);
  changed();
  select(f.id);
}

// Where the palette adds a clicked type: after the selected element, else at the end.
function addAt(type) {
  const sub = S.selected && (field(S.selected)?.type === "subform" ? field(S.selected) : parentOf(S.selected));
  if (sub && rowType(type)) {
    const id = newField(type, sub);
    changed();
    select(id);
    return;
  }
  const id = create(type);
  const r = S.selected ? rowOf(S.selected) : -1;
  S.body.layout.splice(r < 0 ? S.body.layout.length : r + 1, 0, [id]);
  changed();
  select(id);
}

// --- the canvas

function cell(id) {
  const f = field(id);
  const errors = S.errors[id];
  const classes = ["dz-cell", id === S.selected && "selected", errors && "has-error"].filter(Boolean).join(" ");
  return h("div", { class: classes, tabindex: "0", role: "button", dataset: { id }, "aria-pressed": String(id === S.selected) },
    h("span", { class: "dz-cell-label" }, label(f), f.required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
    h("span", { class: "dz-cell-meta" }, boot.types[f.type].name, f.unique ? ` · ${T.unique_badge}` : "",
      ` · ${f.key}`),
    f.type === "subform" ? null : h("span", { class: "dz-cell-input", "aria-hidden": "true" }),
    errors ? h("span", { class: "field-error" }, Object.values(errors).flat()[0]) : null,
    f.type === "subform" ? subCols(f) : null);
}

// A sub-form on the canvas: its columns side by side; drop types from the palette among them.
function subCols(f) {
  const col = (c) => {
    const errors = S.errors[c.id];
    const classes = ["dz-col", c.id === S.selected && "selected", errors && "has-error"].filter(Boolean).join(" ");
    return h("div", { class: classes, tabindex: "0", role: "button", dataset: { id: c.id },
      "aria-pressed": String(c.id === S.selected) },
    h("span", { class: "dz-cell-label" }, label(c), c.required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
    h("span", { class: "dz-cell-meta" }, boot.types[c.type]?.name || c.type, ` · ${c.key}`),
    errors ? h("span", { class: "field-error" }, Object.values(errors).flat()[0]) : null);
  };
  return h("div", { class: "dz-sub", dataset: { testid: `subform-${f.key}` } },
    h("div", { class: "dz-sub-cols", dataset: { sub: f.id }, "data-empty": T.sub_empty }, (f.fields || []).map(col)));
}

function sectionRow(id) {
  const s = section(id);
  const classes = ["dz-section-cell", id === S.selected && "selected", S.errors[id] && "has-error"]
    .filter(Boolean).join(" ");
  return h("div", { class: "dz-row dz-section-row", dataset: { section: id } },
    h("div", { class: classes, tabindex: "0", role: "button", dataset: { id }, "aria-pressed": String(id === S.selected) },
      h("span", { class: "dz-section-label" }, label(s)),
      S.errors[id] ? h("span", { class: "field-error" }, Object.values(S.errors[id]).flat()[0]) : null));
}

function fieldRow(ids) {
  return h("div", { class: "dz-row", dataset: { fields: ids.join(" ") } },
    h("span", { class: "dz-grip", title: T.drag, "aria-hidden": "true" }, "⋮⋮"),
    h("div", { class: `dz-cells dz-cells-${ids.length}` }, ids.map(cell)),
    ids.length < 3 ? h("div", { class: "dz-beside", "data-hint": T.beside }) : null);
}

export function renderCanvas() {
  if (S.dragging) { S.redraw = true; return; }
  S.redraw = false;
  for (const s of sortables) s.destroy();
  sortables = [];
  canvas.replaceChildren(...S.body.layout.map((row) => (section(row[0]) ? sectionRow(row[0]) : fieldRow(row))));
  const common = { ...DRAG, onEnd: dropped };
  sortables.push(Sortable.create(canvas, {
    ...common, group: { name: "rows", pull: false, put: ["palette", "cells"] }, draggable: ">*",
    handle: ".dz-grip, .dz-section-cell",
  }));
  const noSections = (_to, _from, dragged) => dragged.dataset.type !== "section";
  for (const row of canvas.querySelectorAll(".dz-row:not(.dz-section-row)")) {
    sortables.push(Sortable.create(row.querySelector(".dz-cells"), {
      ...common, group: { name: "cells", pull: true, put: false }, draggable: ".dz-cell",
    }));
    const beside = row.querySelector(".dz-beside");
    if (beside) {
      sortables.push(Sortable.create(beside, {
        ...common, group: { name: "beside", pull: false, put: (to, from, dragged) =>
          ["palette", "cells"].includes(from.options.group.name) && noSections(to, from, dragged) },
        draggable: ">*",
      }));
    }
  }
  for (const cols of canvas.querySelectorAll(".dz-sub-cols")) {
    sortables.push(Sortable.create(cols, {
      ...common, draggable: ".dz-col",
      group: { name: "cols", pull: false, put: (_to, from, dragged) => from.options.group.name === "palette"
        || (from.options.group.name === "cells" && canNest(dragged.dataset.id)) },
    }));
  }
  renderTrash();
}

// A field on the canvas may move into a sub-form while it is new in this draft (a published
// one has its values in the form's table, not in the rows') and a row may hold its type.
function canNest(id) {
  const f = S.body.fields.find((x) => x.id === id);
  const live = (boot.live?.fields || []).some((x) => x.id === id);
  return Boolean(f) && !live && rowType(f.type) && !(f.type === "relation" && f.multiple);
}

// The columns of a sub-form in the order its container now shows; palette items there become
// new columns (of a type a row may hold).
function colsDropped(container) {
  const parent = field(container.dataset.sub);
  let created = null;
  const ids = [];
  for (const el of container.children) {
    const id = el.dataset.id || el.querySelector("[data-id]")?.dataset.id;
    if (id && !parent.fields.some((c) => c.id === id)) {  // a new field moved in from the canvas
      const f = S.body.fields.find((x) => x.id === id);
      S.body.fields = S.body.fields.filter((x) => x !== f);
      S.body.layout = S.body.layout.map((row) => row.filter((x) => x !== id)).filter((row) => row.length);
      parent.fields.push(f);
      created = id;
    }
    if (id) ids.push(id);
    else if (el.dataset.type && rowType(el.dataset.type)) ids.push((created = newField(el.dataset.type, parent)));
    else if (el.dataset.type) showAlert(T.not_in_row);
  }
  parent.fields.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  changed();
  select(created || S.selected);
}

// After any drop the canvas's elements say the new layout; palette items there become new elements.
function dropped(evt) {
  S.dragging = false;
  if (evt.to === evt.from && evt.from.classList.contains("dz-types")) { if (S.redraw) renderCanvas(); return; }
  if (evt.to.classList.contains("dz-sub-cols")) { setTimeout(() => colsDropped(evt.to)); return; }
  setTimeout(() => {
    let created = null;
    const idOf = (el) => {
      if (el.dataset.id) return el.dataset.id;
      if (el.dataset.type) return (created = create(el.dataset.type));
      return el.querySelector("[data-id]")?.dataset.id;
    };
    const layout = [];
    for (const child of canvas.children) {
      if (child.dataset.section) { layout.push([child.dataset.section]); continue; }
      if (!child.classList.contains("dz-row")) { const id = idOf(child); if (id) layout.push([id]); continue; }
      const ids = [...child.querySelectorAll(".dz-cells > *, .dz-beside > *")].map(idOf).filter(Boolean);
      for (let i = 0; i < ids.length; i += 3) layout.push(ids.slice(i, i + 3));
    }
    S.body.layout = layout;
    changed();
    select(created || S.selected);
  });
}

function renderTrash() {
  const box = document.querySelector("[data-testid=trash]");
  const live = new Set(S.body.fields.map((f) => f.id));
  const trashed = new Set(S.body.trash.map((t) => t.field.id));
  const removed = (boot.live?.fields || []).filter((f) => !live.has(f.id) && !trashed.has(f.id));
  const item = (f, fromTrash) => h("li", {},
    h("span", {}, label(f), h("span", { class: "muted" }, ` · ${boot.types[f.type]?.name || f.type} · ${f.key}`)),
    h("button", { type: "button", class: "link", onclick: () => restoreField(f, fromTrash) }, T.restore));
  box.replaceChildren(
    removed.length ? h("section", { class: "dz-trash-list", dataset: { testid: "removed" } },
      h("h3", {}, T.removed), h("ul", {}, removed.map((f) => item(f, false)))) : "",
    S.body.trash.length ? h("section", { class: "dz-trash-list" },
      h("h3", {}, T.trash), h("p", { class: "muted" }, T.trash_hint),
      h("ul", {}, S.body.trash.map((t) => item(t.field, true)))) : "");
}

// --- saving

export function showStatus() {
  let text = S.changes > S.savedChanges ? T.unsaved : S.hasDraft ? T.saved : "";
  if (S.saving) text = T.saving;
  if (S.offline) text = T.offline;
  const marked = Object.keys(S.errors).length;
  if (marked) text = S.changes > S.savedChanges || !S.kept ? T.save_failed : T.saved_problems;
  statusEl.textContent = text;
  statusEl.classList.toggle("dz-bad", Boolean(S.offline || marked));
}

export function showAlert(text) {
  alertEl.textContent = text || "";
  alertEl.hidden = !text;
}

// A problem's errors carry JSON paths into the body that was sent: $.fields[2].key.
export function applyErrors(problem, sent) {
  S.errors = {};
  S.spans = {};  // where in a formula's text a problem is: "<field id>.formula" → [start, end]
  const general = [];
  for (const e of problem?.errors || []) {
    // A sub-form's column: $.fields[2].fields[0].key
    const m = /^\$\.(fields|sections|rules)\[(\d+)\](?:\.fields\[(\d+)\])?(?:\.(\w+))?/.exec(e.field || "");
    let item = m && sent[m[1]]?.[Number(m[2])];
    if (item && m[3] !== undefined) item = item.fields?.[Number(m[3])];
    const [id, prop] = item?.id ? [item.id, m[4] || "_"] : /^\$\.label/.test(e.field) ? ["form", "label"]
      : /^\$\.duplicates/.test(e.field) ? ["form", "duplicates"] : ["$", "_"];
    if (id === "$") general.push(e.message);
    if (e.start !== undefined) S.spans[`${id}.${prop}`] = [e.start, e.end];
    ((S.errors[id] ||= {})[prop] ||= []).push(e.message);
  }
  showAlert([problem?.title, ...general].filter(Boolean).join(" "));
  renderCanvas();
  renderProps();
  showStatus();
}

function clearErrors() {
  if (!Object.keys(S.errors).length) return;
  S.errors = {};
  S.spans = {};
  showAlert("");
  renderCanvas();
  renderProps();
}

// The body to send. A validation rule still being set up (no condition or no message yet) is
// left out: half a setup is not a mistake to mark while the person is still building it.
export function outgoing() {
  const body = structuredClone(S.body);
  if (body.rules) {
    body.rules = body.rules.filter((r) => r.when !== undefined && r.when !== null && r.when !== ""
      && Object.values(r.message || {}).some(Boolean));
  }
  return body;
}

// Saves when there is something unsaved; resolves true when the draft on the server is current.
export async function save() {
  clearTimeout(changed.timer);
  if (S.conflict) return false;
  if (S.saving) { await S.saving; if (S.changes === S.savedChanges) return !Object.keys(S.errors).length; }
  if (S.changes === S.savedChanges) return !Object.keys(S.errors).length;
  const changes = S.changes;
  const sent = outgoing();
  let done;
  S.saving = new Promise((resolve) => { done = resolve; });
  showStatus();
  let ok = false;
  try {
    // An invalid draft is kept too (its problems come back): reloading loses no work.
    const res = await request("PUT", `${API}?keep_invalid=true`, { body: sent, revision: S.revision });
    S.offline = false;
    if (res.ok) {
      S.revision = res.data.revision;
      S.hasDraft = true;
      S.savedChanges = changes;
      S.kept = true;
      if (res.data.problems?.length) applyErrors({ title: T.saved_problems, errors: res.data.problems }, sent);
      else clearErrors();
      document.dispatchEvent(new Event("designer:saved"));
      ok = !res.data.problems?.length;
    } else if (res.status === 409 || res.status === 412) {
      S.conflict = true;
      showAlert(`${res.data?.title || ""} ${T.conflict}`);
    } else {
      S.savedChanges = changes;  // the same body would fail the same way: wait for the next change
      S.kept = false;
      applyErrors(res.data, sent);
    }
  } catch {
    S.offline = true;
  } finally {
    S.saving = null;
    done();
    showStatus();
  }
  if (ok && S.changes > changes) return save();
  return ok;
}

// Forget unsaved changes: the page is about to be left on purpose (published, discarded).
export function forget() {
  clearTimeout(changed.timer);
  S.savedChanges = S.changes;
}

export function dirty() { return S.changes > S.savedChanges || Boolean(S.saving); }

// --- the preview (designer_preview.js)

export { refreshPreview };

// --- wiring

document.querySelectorAll(".dz-types").forEach((list) => {
  Sortable.create(list, {
    ...DRAG, group: { name: "palette", pull: "clone", put: false }, sort: false, draggable: ".dz-type", onEnd: dropped,
  });
});
document.querySelector(".dz-palette").addEventListener("click", (e) => {
  const button = e.target.closest(".dz-type");
  if (button) addAt(button.dataset.type);
});

canvas.addEventListener("click", (e) => {
  const target = e.target.closest("[data-id]");
  if (target) select(target.dataset.id);
});
canvas.addEventListener("keydown", (e) => {
  const target = e.target.closest("[data-id]");
  if (!target) return;
  const id = target.dataset.id;
  if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(id, { focus: true }); }
  else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
    e.preventDefault();
    move(id, e.key === "ArrowUp" ? -1 : 1);
  } else if (e.key === "Delete") { e.preventDefault(); remove(id); }
  else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
    e.preventDefault();
    const all = [...canvas.querySelectorAll("[data-id]")];
    all[all.indexOf(target) + (e.key === "ArrowUp" ? -1 : 1)]?.focus();
  }
});

document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") { e.preventDefault(); save(); }
});
window.addEventListener("beforeunload", (e) => {
  if (dirty() && !S.conflict) { e.preventDefault(); e.returnValue = T.leave; }
});

renderCanvas();
renderProps();
// A draft saved with problems: mark them again, where they are.
if (boot.problems?.length) { S.kept = true; applyErrors({ title: T.saved_problems, errors: boot.problems }, S.body); }
showStatus();
setupActions();
