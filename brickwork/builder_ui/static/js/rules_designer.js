// The rule designer: the trigger (rules_trigger.js), the condition (the filter builder, or a
// formula), the ordered actions (rules_actions.js), then saving a draft and publishing
// through the definitions API, a test run on a chosen record and the rule's run log. Errors
// of a save or publish are shown on the part their JSON path names.
import { fitsBuilder, simplest } from "/static/js/condition_fit.js";
import { h, request } from "/static/js/designer_util.js";
import { actionsPart } from "/static/js/rules_actions.js";
import { R, box, errorsAt, formula, select, textsOf, triggerForm } from "/static/js/rules_state.js";
import { triggerPart } from "/static/js/rules_trigger.js";
import { FilterBuilder } from "/static/js/views_filter.js";

const T = R.T;
const { app, key } = R.boot;
const DEF = `/api/v1/apps/${encodeURIComponent(app)}/definitions/rule/${encodeURIComponent(key)}`;
const RULE = `/api/v1/apps/${encodeURIComponent(app)}/rules/${encodeURIComponent(key)}`;
const PAGE = `/apps/${encodeURIComponent(app)}/rules/${encodeURIComponent(key)}`;
const root = document.querySelector("[data-testid=rule-editor]");
const statusEl = document.querySelector("[data-testid=save-status]");
const alertEl = document.querySelector("[data-testid=rule-alert]");
const b = R.body;

const builderFields = () => (triggerForm()?.fields || []).filter((f) => f.operators.length);
if (b.condition && typeof b.condition === "object" && !fitsBuilder(b.condition, builderFields())) {
  R.conditionMode = "write";
}
// A saved draft's problems are marked where they are; a new rule (no action yet) is not scolded.
if (b.actions.length) for (const p of R.boot.problems || []) (R.errors[p.field.replace(/^\$\.?/, "")] ||= []).push(p.message);

function labelPart() {
  b.label ||= {};
  const input = (lang, text) => box(text, h("input", { value: b.label[lang] || "", dataset: { testid: `label-${lang}` },
    oninput: (e) => { if (e.target.value.trim()) b.label[lang] = e.target.value; else delete b.label[lang]; } }));
  return h("section", { class: "card rd-part", dataset: { testid: "part-label" } },
    h("div", { class: "rd-row" }, input("zh-CN", T.name_zh), input("en", T.name_en)), ...errorsAt("label"),
    h("div", { class: "rd-row" },
      h("label", {}, h("input", { type: "checkbox", checked: b.enabled !== false,
        onchange: (e) => { b.enabled = e.target.checked; } }), " ", T.enabled),
      h("label", {}, h("input", { type: "checkbox", checked: b.run_on_bulk !== false,
        onchange: (e) => { b.run_on_bulk = e.target.checked; } }), " ", T.run_on_bulk)),
    box(T.run_as, select([["author", T.run_as_author], ["system", T.run_as_system]], b.run_as || "author",
      (v) => { b.run_as = v; })));
}

// The condition's other form from the server: the text of an AST, or the AST of a text.
async function convert(item) {
  const res = await request("POST", `${PAGE}/formulas`, { body: { form: b.trigger.form, items: [item] } })
    .catch(() => null);
  if (!res?.ok) return null;
  return res.data;
}

function conditionPart() {
  const has = b.condition !== undefined && b.condition !== null;
  const part = h("section", { class: "card rd-part", dataset: { testid: "part-condition" } }, h("h2", {}, T.condition));
  if (!has) {
    part.append(h("p", { class: "muted" }, T.no_condition), h("button", { type: "button", class: "button",
      dataset: { testid: "add-condition" }, onclick: () => { b.condition = {}; R.conditionMode = "build"; R.render(); },
    }, T.add_condition_button), ...errorsAt("condition"));
    return part;
  }
  if (R.conditionMode === "build" && !builderFields().length) R.conditionMode = "write";  // nothing to build on
  const modes = h("div", { class: "dz-modes", role: "group" }, ["build", "write"].map((m) => h("button", {
    type: "button", class: "button", "aria-pressed": String(R.conditionMode === m), onclick: async () => {
      if (m === R.conditionMode) return;
      if (m === "write" && b.condition?.fn) {
        const done = await convert({ path: "condition", ast: b.condition });
        if (done) R.conditionText = done.texts.condition;
      } else if (m === "build" && R.conditionText.trim()) {
        const done = await convert({ path: "condition", text: R.conditionText, condition: true });
        if (!done || !fitsBuilder(done.asts.condition, builderFields())) {
          R.note = T.cannot_build; R.render(); return;
        }
        b.condition = done.asts.condition;
      }
      R.note = null;
      R.conditionMode = m;
      R.render();
    } }, m === "build" ? T.build : T.write)),
  h("button", { type: "button", class: "link", onclick: () => { delete b.condition; R.conditionText = ""; R.render(); } },
    T.remove_condition));
  part.append(modes);
  if (R.note) part.append(h("p", { class: "dz-note" }, R.note));
  if (R.conditionMode === "build") {
    const holder = h("div", { class: "filter-panel dz-builder" });
    const filters = new FilterBuilder(holder, builderFields(), T);
    filters.load(b.condition?.fn ? b.condition : null);
    const read = () => setTimeout(() => { b.condition = simplest(filters.build()) || {}; });
    holder.addEventListener("change", read);
    holder.addEventListener("input", read);
    holder.addEventListener("click", (e) => { if (e.target.closest("button")) read(); });
    part.append(holder, ...errorsAt("condition"));
  } else {
    part.append(...formula({ text: R.conditionText, label: T.write, path: "condition", hint: T.condition_formula_hint,
      onInput: (text) => { R.conditionText = text; } }), ...errorsAt("condition"));
  }
  if (b.trigger.type === "record.updated" || b.trigger.type === "record.saved") {
    part.append(box(T.mode, select([["became_true", T.became_true], ["whenever", T.whenever]], b.mode || "became_true",
      (v) => { b.mode = v; })));
  }
  return part;
}

// The body to store: formula texts turned into ASTs by the server (problems at their paths).
async function assemble() {
  const items = [];
  const out = structuredClone({ ...b, actions: [] });
  if (R.conditionMode === "write" && b.condition !== undefined) {
    if (R.conditionText.trim()) items.push({ path: "condition", text: R.conditionText, condition: true });
    else delete out.condition;
  } else if (!b.condition?.fn) delete out.condition;
  b.actions.forEach((action, i) => {
    const own = textsOf(action);
    const copy = structuredClone(action);
    if ("text" in own || own.langs || action.type === "notify") {
      delete copy.text;
      if (own.langs) {
        for (const [locale, text] of Object.entries(own.langs)) {
          if ((text || "").trim()) items.push({ path: `actions[${i}].text.${locale}`, text });
        }
      } else if ((own.text || "").trim()) items.push({ path: `actions[${i}].text`, text: own.text });
    }
    if (["create_record", "update_records"].includes(action.type)) {
      copy.values = {};
      for (const [field, text] of Object.entries(own.values)) {
        if (own.managers?.[field]) copy.values[field] = { manager_of: own.managers[field] };
        else if (own.kept?.[field] && !(text || "").trim()) copy.values[field] = own.kept[field];
        else if ((text || "").trim()) items.push({ path: `actions[${i}].values.${field}`, text });
      }
    }
    out.actions.push(copy);
  });
  if (items.length) {
    const res = await request("POST", `${PAGE}/formulas`, { body: { form: b.trigger.form, items } }).catch(() => null);
    if (!res) return fail({ title: T.offline });
    if (!res.ok) return fail(res.data);
    for (const [path, ast] of Object.entries(res.data.asts)) {
      const m = path.match(/^actions\[(\d+)\]\.(text|values\.(.+))$/);
      const lang = path.match(/^actions\[(\d+)\]\.text\.(.+)$/);  // one message per language
      if (path === "condition") out.condition = ast;
      else if (lang) (out.actions[Number(lang[1])].text ||= {})[lang[2]] = ast;
      else if (m && m[3]) out.actions[Number(m[1])].values[m[3]] = ast;
      else if (m) out.actions[Number(m[1])].text = ast;
    }
  }
  return out;
}

function fail(problem) {
  R.errors = {};
  R.spans = {};
  for (const e of problem?.errors || []) {
    const path = (e.field || "").replace(/^\$\.?/, "");
    (R.errors[path] ||= []).push(e.message);
    if (e.start !== undefined && e.end !== undefined) R.spans[path] = [e.start, e.end];
  }
  R.render();
  showAlert(problem?.title || T.not_valid);
  statusEl.textContent = "";
  return null;
}

// The problem's title, with the messages that no part of the page showed.
function showAlert(title) {
  const unplaced = Object.entries(R.errors).filter(([p]) => !R.shown.has(p)).flatMap(([, m]) => m);
  alertEl.replaceChildren(h("strong", {}, title), ...unplaced.map((m) => h("div", {}, m)));
  alertEl.hidden = false;
}

function clear() {
  R.errors = {}; R.spans = {};
  alertEl.hidden = true;
}

async function save() {
  statusEl.textContent = T.saving;
  const out = await assemble();
  if (!out) return false;
  const res = await request("PUT", DEF, { body: out, revision: R.hasDraft ? R.revision : 0 }).catch(() => null);
  if (!res) { fail({ title: T.offline }); return false; }
  if (res.status === 409) { fail({ title: T.stale }); return false; }
  if (!res.ok) { fail(res.data); return false; }
  R.revision = res.data.revision; R.hasDraft = true;
  clear(); R.render();
  statusEl.textContent = T.saved;
  return true;
}

async function publish() {
  if (!(await save())) return;
  const res = await request("POST", `${DEF}:publish`, { revision: R.revision }).catch(() => null);
  if (!res) return fail({ title: T.offline });
  if (!res.ok) return fail(res.data);
  R.hasDraft = false; R.live = true;
  clear(); R.render();
  statusEl.textContent = T.published;
  return loadRuns();
}

const statusText = (s) => T[`status_${s}`] || s;
// Why a run stopped or was skipped, in words (the code when the page has none for it).
const reasonText = (run) => (run.reason ? [" ", h("span", { class: "run-reason", dataset: { testid: "run-reason",
  reason: run.reason } }, T[`reason_${run.reason}`] || run.reason)] : []);

function testPart() {
  const record = h("input", { type: "number", min: 1, class: "rd-number", dataset: { testid: "test-record" } });
  const out = h("div", { class: "rd-test-out", dataset: { testid: "test-result" }, role: "status" });
  const go = h("button", { type: "button", class: "button", dataset: { testid: "test" }, onclick: async () => {
    const query = record.value ? `?record=${encodeURIComponent(record.value)}` : "";
    const res = await request("POST", `${RULE}:test${query}`).catch(() => null);
    if (!res) { out.replaceChildren(T.offline); return; }
    if (!res.ok) {
      out.replaceChildren(h("p", { class: "field-error" }, res.data?.title || "",
        ...(res.data?.errors || []).map((e) => ` ${e.message}`)));
      return;
    }
    const run = res.data;
    out.replaceChildren(h("p", {}, h("strong", {}, T.would), " ", h("span", { class: `outcome outcome-${run.status}` },
      statusText(run.status)), ...reasonText(run), run.error ? ` ${run.error}` : ""),
    h("ol", {}, (run.actions || []).map((a) => h("li", { dataset: { testid: "test-action" } },
      `${R.boot.actions.find((x) => x.type === a.type)?.name || a.type}: ${statusText(a.status)} `,
      h("code", {}, JSON.stringify(a.output ?? a.error ?? {}))))));
  } }, T.test);
  return h("section", { class: "card rd-part", dataset: { testid: "part-test" } }, h("h2", {}, T.test),
    h("p", { class: "muted" }, R.live ? T.test_hint : T.test_publish_first),
    h("div", { class: "rd-row" }, box(T.test_record, record), go), out);
}

const runsBody = h("div", { dataset: { testid: "runs" } });

async function loadRuns() {
  if (!R.live) { runsBody.replaceChildren(h("p", { class: "muted" }, T.no_runs)); return; }
  const res = await request("GET", `${RULE}/runs?limit=20`).catch(() => null);
  const items = res?.ok ? res.data.items : [];
  if (!items.length) { runsBody.replaceChildren(h("p", { class: "muted" }, T.no_runs)); return; }
  runsBody.replaceChildren(h("div", { class: "table-scroll" }, h("table", { class: "plain runs" },
    h("thead", {}, h("tr", {}, [T.when, T.record, T.outcome, T.error, ""].map((x) => h("th", {}, x)))),
    h("tbody", {}, items.map((run) => h("tr", { dataset: { status: run.status } },
      h("td", {}, new Date(run.started_at).toLocaleString()),
      h("td", {}, run.record ? h("a", { href: `/apps/${encodeURIComponent(app)}/forms/${encodeURIComponent(run.form)}/records/${run.record}` },
        `#${run.record}`) : ""),
      h("td", {}, h("span", { class: `outcome outcome-${run.status}` }, statusText(run.status)), ...reasonText(run)),
      h("td", { class: "run-error" }, run.error || ""),
      h("td", {}, run.status === "failed" ? h("button", { type: "button", class: "button", onclick: async () => {
        await request("POST", `${RULE}/runs/${run.id}/retry`).catch(() => null);
        loadRuns();
      } }, T.retry) : "")))))));
}

function runsPart() {
  return h("section", { class: "card rd-part", dataset: { testid: "part-runs" } },
    h("h2", {}, T.runs, " ", h("button", { type: "button", class: "link", onclick: loadRuns }, T.refresh)), runsBody);
}

R.render = () => {
  R.shown = new Set();
  root.replaceChildren(labelPart(), triggerPart(), conditionPart(), actionsPart(), testPart(), runsPart());
};

document.querySelector("[data-action=save]").addEventListener("click", save);
document.querySelector("[data-action=publish]").addEventListener("click", publish);
R.render();
loadRuns();
if (Object.keys(R.errors).length) showAlert(T.not_valid);
