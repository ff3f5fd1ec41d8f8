// The flow designer's side panel for a node: who approves (people, roles, the org chart, a
// person field, the submitter's choice), how several decide, what happens when nobody is
// found or the submitter is among them, the time limit, the buttons, and the node's field
// permissions. Every input writes the node's settings in place (flow_shapes: the node's own
// settings) and tells the page through ctx.changed.
import { h, pick, request } from "/static/js/designer_util.js";
import { fieldLabel, fmt, labelInput } from "/static/js/flow_designer.js";

export const NAMES = {};  // user id → name, for chips and card summaries (never stored in the body)
export const DEPARTMENTS = {};  // department id → name, the same for departments
const DEFAULT_ACTIONS = ["approve", "reject", "return", "transfer"];
const DEFAULT_LEVEL = { start: "edit", approval: "read", handler: "read", cc: "hidden" };

function choice(labelText, value, options, onchange, testid) {
  const select = h("select", { dataset: { testid }, onchange: (e) => onchange(e.target.value) },
    Object.entries(options).map(([v, text]) => h("option", { value: v, selected: v === String(value ?? "") }, text)));
  return h("label", { class: "dz-prop" }, labelText, select);
}

function number(labelText, value, onchange, testid, attrs = {}) {
  return h("label", { class: "dz-prop" }, labelText, h("input", {
    type: "number", value: value ?? "", dataset: { testid }, ...attrs,
    onchange: (e) => onchange(e.target.value === "" ? undefined : Number(e.target.value)),
  }));
}

function check(labelText, checked, onchange, testid) {
  return h("label", { class: "dz-check" }, h("input", {
    type: "checkbox", checked, dataset: { testid }, onchange: (e) => onchange(e.target.checked),
  }), labelText);
}

// People by name: chips of the chosen, a search box, and the matches to click (departments
// the same way, from their own picker endpoint).
export function personPicker(ids, { multiple = true, T, onchange, departments = false }) {
  const names = departments ? DEPARTMENTS : NAMES;
  const url = departments ? "/api/v1/departments:pick" : "/api/v1/users:pick";
  const chosen = [...(ids || [])];
  const chips = h("span", { class: "fd-chips" });
  const results = h("div", { class: "fd-results", role: "listbox" });
  const drawChips = () => chips.replaceChildren(...chosen.map((id) => h("span", { class: "fd-chip", dataset: { user: id } },
    names[id] || `#${id}`, h("button", { type: "button", class: "fd-x", "aria-label": T.delete,
      onclick: () => { chosen.splice(chosen.indexOf(id), 1); drawChips(); onchange([...chosen]); } }, "×"))));
  let asked = 0;
  const input = h("input", {
    type: "search", placeholder: T.search, "aria-label": T.search,
    dataset: { testid: departments ? "department-search" : "person-search" },
    oninput: async (e) => {
      const mine = ++asked;
      const q = e.target.value.trim();
      if (!q) { results.replaceChildren(); return; }
      const res = await request("GET", `${url}?q=${encodeURIComponent(q)}&limit=10`).catch(() => null);
      if (mine !== asked || !res?.ok) return;
      results.replaceChildren(...res.data.map((u) => h("button", {
        type: "button", role: "option", class: "fd-result", dataset: { [departments ? "department" : "user"]: u.id },
        onclick: () => {
          names[u.id] = u.name;
          if (!multiple) chosen.splice(0);
          if (!chosen.includes(u.id)) chosen.push(u.id);
          input.value = ""; results.replaceChildren(); drawChips(); onchange([...chosen]);
        },
      }, u.name)));
    },
  });
  drawChips();
  return h("div", { class: "fd-picker" }, chips, input, results);
}

function specEditor(spec, list, i, ctx) {
  const { T, boot } = ctx;
  const roleOptions = Object.fromEntries(boot.roles.map((r) => [r.key, pick(r.label, boot.locale) || r.key]));
  const set = (next) => { list[i] = next; ctx.changed(); };
  const detail = [];
  switch (spec.source) {
    case "users":
      detail.push(personPicker(spec.users, { T, onchange: (users) => { spec.users = users; ctx.changed({ panel: false }); } }));
      break;
    case "role":
      detail.push(choice(T.sources.role, spec.role, { "": "—", ...roleOptions }, (role) => set({ source: "role", role }), "spec-role"));
      break;
    case "dept_head":
      detail.push(choice(T.level, spec.level || 1, Object.fromEntries([1, 2, 3, 4, 5].map((n) => [n, fmt(T.level_n, n)])),
        (n) => set({ source: "dept_head", level: Number(n) }), "spec-level"));
      break;
    case "manager_chain": {
      const current = spec.until_level ? `level:${spec.until_level}` : spec.until_role ? `role:${spec.until_role}` : "";
      const options = { "": T.top, ...Object.fromEntries([2, 3, 4, 5].map((n) => [`level:${n}`, fmt(T.level_n, n)])),
        ...Object.fromEntries(Object.entries(roleOptions).map(([k, v]) => [`role:${k}`, `${T.until_role}: ${v}`])) };
      detail.push(choice(T.until, current, options, (v) => {
        const [kind, value] = v.split(":");
        set({ source: "manager_chain", ...(kind === "level" ? { until_level: Number(value) } : kind === "role" ? { until_role: value } : {}) });
      }, "spec-until"));
      break;
    }
    case "field": {
      const people = Object.fromEntries(boot.fields.filter((f) => ["user", "department"].includes(f.type))
        .map((f) => [f.key, fieldLabel(f)]));
      detail.push(choice(T.field, spec.field, { "": "—", ...people }, (field) => set({ source: "field", field }), "spec-field"));
      break;
    }
    case "self_select":
      detail.push(check(T.multiple, spec.multiple !== false, (on) => { spec.multiple = on; ctx.changed({ panel: false }); }, "spec-multiple"),
        h("span", { class: "muted" }, T.within),
        personPicker(spec.users, { T, onchange: (users) => { spec.users = users; ctx.changed({ panel: false }); } }),
        personPicker(spec.departments, { T, departments: true,
          onchange: (ids) => { spec.departments = ids; ctx.changed({ panel: false }); } }));
      break;
    default:
  }
  const fresh = { users: { users: [] }, role: { role: boot.roles[0]?.key || "" }, dept_head: { level: 1 },
    self_select: { multiple: true, users: [] } };
  return h("li", { class: "fd-spec", dataset: { testid: "approver-spec" } },
    h("div", { class: "fd-spec-head" },
      choice(T.source, spec.source, T.sources, (source) => set({ source, ...(fresh[source] || {}) }), "spec-source"),
      h("button", { type: "button", class: "fd-x", "aria-label": T.delete, title: T.delete,
                    onclick: () => { list.splice(i, 1); ctx.changed(); } }, "×")),
    detail);
}

function peopleSection(node, setting, ctx) {
  const { T } = ctx;
  node[setting] ||= [];
  const list = node[setting];
  return h("fieldset", { class: "dz-prop fd-people" },
    h("legend", {}, setting === "recipients" ? T.who_cc : T.who),
    h("ol", { class: "fd-specs" }, list.map((spec, i) => specEditor(spec, list, i, ctx))),
    h("button", { type: "button", class: "button", dataset: { testid: "add-approver" },
                  onclick: () => { list.push({ source: "users", users: [] }); ctx.changed(); } }, T.add_approver));
}

function decisions(node, ctx) {
  const { T } = ctx;
  const modes = node.type === "handler"
    ? Object.fromEntries(Object.entries(T.modes).filter(([k]) => k !== "ratio")) : T.modes;
  const parts = [choice(T.mode, node.mode || "any", modes, (mode) => {
    node.mode = mode;
    if (mode === "ratio") node.ratio ||= 50; else delete node.ratio;
    ctx.changed();
  }, "node-mode")];
  if (node.mode === "ratio") {
    parts.push(number(T.ratio, node.ratio, (v) => { node.ratio = v; ctx.changed({ panel: false }); }, "node-ratio", { min: 1, max: 100 }));
  }
  parts.push(choice(T.on_empty, node.on_empty || "assign_to_flow_admin", T.empties, (v) => {
    node.on_empty = v;
    if (v !== "assign_to") delete node.assign_to;
    ctx.changed();
  }, "node-on-empty"));
  if (node.on_empty === "assign_to") {
    parts.push(personPicker(node.assign_to ? [node.assign_to] : [], { multiple: false, T,
      onchange: ([id]) => { node.assign_to = id; ctx.changed({ panel: false }); } }));
  }
  parts.push(choice(T.on_self, node.on_self || "skip", T.selves, (v) => { node.on_self = v; ctx.changed({ panel: false }); }, "node-on-self"));
  return parts;
}

function timeout(node, ctx) {
  const { T } = ctx;
  const parts = [check(T.timeout, Boolean(node.timeout), (on) => {
    if (on) node.timeout = { hours: 24, working_hours: true, action: "remind" }; else delete node.timeout;
    ctx.changed();
  }, "node-timeout")];
  const t = node.timeout;
  if (t) {
    parts.push(number(T.hours, t.hours, (v) => { t.hours = v; ctx.changed({ panel: false }); }, "timeout-hours", { min: 1 }),
      check(T.working_hours, t.working_hours !== false, (on) => { t.working_hours = on; ctx.changed({ panel: false }); }, "timeout-working"),
      choice(T.timeout_action, t.action, T.timeouts, (action) => {
        t.action = action;
        if (action !== "remind") delete t.repeat_hours;
        if (action !== "transfer") delete t.transfer_to;
        ctx.changed();
      }, "timeout-action"));
    if (t.action === "remind") {
      parts.push(number(T.repeat_hours, t.repeat_hours, (v) => {
        if (v) t.repeat_hours = v; else delete t.repeat_hours;
        ctx.changed({ panel: false });
      }, "timeout-repeat", { min: 1 }));
    }
    if (t.action === "transfer") {
      parts.push(h("span", { class: "muted" }, T.transfer_to), personPicker(t.transfer_to ? [t.transfer_to] : [], {
        multiple: false, T, onchange: ([id]) => { t.transfer_to = id; ctx.changed({ panel: false }); } }));
    }
  }
  return h("fieldset", { class: "dz-prop" }, h("legend", {}, T.timeout), parts);
}

function actions(node, ctx) {
  const { T } = ctx;
  const on = new Set(node.actions || DEFAULT_ACTIONS);
  return h("fieldset", { class: "dz-prop fd-actions" }, h("legend", {}, T.actions),
    Object.entries(T.action_names).map(([action, text]) => check(text, on.has(action), (yes) => {
      if (yes) on.add(action); else on.delete(action);
      node.actions = Object.keys(T.action_names).filter((a) => on.has(a));
      ctx.changed({ panel: false });
    }, `action-${action}`)));
}

function permissions(node, ctx) {
  const { T, boot } = ctx;
  const fallback = DEFAULT_LEVEL[node.type];
  const given = node.permissions || {};
  const rows = boot.fields.map((f) => h("tr", { dataset: { field: f.key } },
    h("th", { scope: "row" }, fieldLabel(f)),
    ...["edit", "read", "hidden"].map((level) => h("td", {}, h("input", {
      type: "radio", name: `perm-${node.id}-${f.key}`, value: level, "aria-label": `${fieldLabel(f)}: ${T.levels[level]}`,
      checked: (given[f.key] || fallback) === level,
      onchange: () => {
        node.permissions ||= {};
        if (level === fallback) delete node.permissions[f.key]; else node.permissions[f.key] = level;
        if (!Object.keys(node.permissions).length) delete node.permissions;
        ctx.changed({ panel: false });
      },
    })))));
  return h("fieldset", { class: "dz-prop" }, h("legend", {}, T.permissions),
    h("table", { class: "fd-permissions", dataset: { testid: "permissions" } },
      h("thead", {}, h("tr", {}, h("th", {}, T.field), ...["edit", "read", "hidden"].map((l) => h("th", {}, T.levels[l])))),
      h("tbody", {}, rows)));
}

// Who may submit (the flow's initiators): everyone who may create the form's records, or
// the people, departments (and those below) and roles listed.
function initiators(ctx) {
  const { T, boot, S } = ctx;
  const who = (S.body.initiators ||= { everyone: true });
  const parts = [check(T.everyone, who.everyone !== false, (on) => {
    who.everyone = on;
    ctx.changed();
  }, "initiators-everyone")];
  if (who.everyone === false) {
    parts.push(h("span", { class: "muted" }, T.people),
      personPicker(who.users, { T, onchange: (ids) => { who.users = ids; ctx.changed({ panel: false }); } }),
      h("span", { class: "muted" }, T.departments),
      personPicker(who.departments, { T, departments: true,
        onchange: (ids) => { who.departments = ids; ctx.changed({ panel: false }); } }),
      h("span", { class: "muted" }, T.roles),
      h("div", { class: "fd-actions" }, boot.roles.map((r) => check(pick(r.label, boot.locale) || r.key,
        (who.roles || []).includes(r.key), (on) => {
          who.roles = boot.roles.map((x) => x.key).filter((k) => (k === r.key ? on : (who.roles || []).includes(k)));
          ctx.changed({ panel: false });
        }, `initiator-role-${r.key}`))));
  }
  return h("fieldset", { class: "dz-prop" }, h("legend", {}, T.initiators), parts);
}

// The flow's own settings: withdrawing, the same approver met again, where a resubmission
// resumes, and the flow administrators (who get the tasks no one else can take).
function flowSettings(ctx) {
  const { T, S } = ctx;
  const settings = (S.body.settings ||= {});
  const set = (name) => (value) => { settings[name] = value; ctx.changed({ panel: false }); };
  return h("fieldset", { class: "dz-prop" }, h("legend", {}, T.flow_settings),
    choice(T.withdraw, settings.withdraw || "until_first_action", T.withdraws, set("withdraw"), "flow-withdraw"),
    choice(T.dedupe, settings.dedupe || "processed_anywhere", T.dedupes, set("dedupe"), "flow-dedupe"),
    choice(T.return_resume, settings.return_resume || "restart_path", T.resumes, set("return_resume"), "flow-resume"),
    h("span", { class: "muted" }, T.admins),
    personPicker(settings.admins, { T, onchange: set("admins") }));
}

export function nodePanel(node, ctx) {
  const parts = [h("h2", {}, ctx.T[node.type] || node.type), labelInput(node)];
  if (node.type === "approval" || node.type === "handler") {
    parts.push(peopleSection(node, "approvers", ctx), ...decisions(node, ctx), timeout(node, ctx));
    if (node.type === "approval") parts.push(actions(node, ctx));
  } else if (node.type === "cc") {
    parts.push(peopleSection(node, "recipients", ctx));
  } else if (node.type === "start") {
    parts.push(initiators(ctx), flowSettings(ctx));
  }
  if (["start", "approval", "handler", "cc"].includes(node.type)) parts.push(permissions(node, ctx));
  return h("div", { class: "fd-panel-body" }, parts);
}
