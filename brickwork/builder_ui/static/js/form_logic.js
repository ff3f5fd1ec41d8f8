// Visibility rules and live calculation on the create and edit pages: as the person types,
// ask the server what a save of the values so far would compute (formulas, sums of rows,
// lookups) and which fields and sections the form's rules hide. The engine answers with the
// code a save runs, keeping nothing: there is no second implementation of the expression
// language here. The computed values are filled in, the hidden parts hidden.

const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
const WAIT = 250;  // ms after the last keystroke

const asked = new WeakMap();  // form → the number of its latest question

async function refresh(form) {
  const body = new URLSearchParams(new FormData(form));
  const number = (asked.get(form) || 0) + 1;
  asked.set(form, number);
  const response = await fetch(form.dataset.compute || form.dataset.visibility, {
    method: "POST", body, headers: { "X-CSRF-Token": csrf },
  });
  if (!response.ok || !(response.headers.get("content-type") || "").includes("application/json")) return;
  const answer = await response.json();
  if (asked.get(form) !== number) return;  // a later question is on its way: its answer wins
  apply(form, answer);
  if (answer.texts) fillComputed(form, answer);
}

// The computed values as the engine gave them: a field's value, and each sub-form row's
// computed cells (the rows in the order the form sent them).
function fillComputed(form, answer) {
  for (const [key, text] of Object.entries(answer.texts)) {
    const value = form.querySelector(`.record-cell[data-key="${key}"] .value`);
    if (value) value.textContent = text || "—";
  }
  for (const [key, rows] of Object.entries(answer.rows || {})) {
    const shown = form.querySelectorAll(`[data-subform="${key}"] [data-rows] > [data-row]`);
    rows.forEach((cells, index) => {
      if (!shown[index]) return;
      for (const [child, text] of Object.entries(cells)) {
        const output = [...shown[index].querySelectorAll("output")].find((o) => o.id.endsWith(`].${child}`));
        if (output) output.textContent = text;
      }
    });
  }
}

// Hide what the engine said (also the designer's preview, designer.js).
export function apply(form, answer) {
  const fields = new Set(answer.hidden_fields), sections = new Set(answer.hidden_sections);
  for (const cell of form.querySelectorAll(".record-cell[data-key]")) cell.hidden = fields.has(cell.dataset.key);
  for (const section of form.querySelectorAll(".record-section[data-section]")) {
    section.hidden = sections.has(section.dataset.section);
  }
  for (const row of form.querySelectorAll(".record-row")) {  // a row whose every field is hidden
    row.hidden = [...row.querySelectorAll(".record-cell")].every((cell) => cell.hidden);
  }
}

// --- linked data: a trigger changed, ask what to fill; a field the person edited by hand
// keeps what they typed.
const byHand = new WeakMap();  // form → keys the person typed into

const ROW_CELL = /^[^[\]]+\[\d+\]\.[^[\]]+$/;  // lines[2].product: a cell of a sub-form row
const general = (key) => key.replace(/\[\d+\]/, "");  // lines[2].product → lines.product

function keyOf(event) {
  const target = event.target;
  const picker = target.closest && target.closest("[data-picker]");
  for (const name of [target.name, picker && picker.dataset.key]) {
    if (name && ROW_CELL.test(name)) return name;  // a row's input, or its record picker
  }
  const cell = target.closest && target.closest(".record-cell[data-key]");
  return cell ? cell.dataset.key : null;
}

async function fill(form, trigger) {
  const body = new URLSearchParams(new FormData(form));
  body.set("_trigger", trigger);
  const response = await fetch(form.dataset.fill, { method: "POST", body, headers: { "X-CSRF-Token": csrf } });
  if (!response.ok || !(response.headers.get("content-type") || "").includes("application/json")) return;
  const { values } = await response.json();
  for (const [key, value] of Object.entries(values)) {
    if (byHand.get(form).has(key)) continue;
    const input = form.querySelector(`.record-cell[data-key="${key}"] [name="${key}"]`)
      || (ROW_CELL.test(key) ? form.querySelector(`[name="${key}"]`) : null);
    if (!input || input.type === "hidden") continue;
    if (input.type === "checkbox") input.checked = value === true;
    else input.value = value === null || value === undefined ? "" : String(value);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

function wireFill(form) {
  byHand.set(form, new Set());
  const triggers = new Set(form.dataset.fillTriggers.split(","));
  const changed = (event) => {
    const key = keyOf(event);
    if (!key) return;
    if (event.isTrusted && !triggers.has(general(key))) byHand.get(form).add(key);
    if (triggers.has(general(key))) fill(form, key);
  };
  form.addEventListener("change", changed);
  form.addEventListener("input", (event) => {
    const key = keyOf(event);
    if (key && event.isTrusted && !triggers.has(general(key))) byHand.get(form).add(key);
    else if (key && triggers.has(general(key)) && !event.isTrusted) fill(form, key);  // a picker chose a record
  });
}

function wire(form) {
  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh(form), WAIT);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  // a save is on its way: a question asked now would only queue beside it for the database
  form.addEventListener("submit", () => clearTimeout(timer));
  // a submit redraws the form's body: the new inputs start all shown, so ask again; a
  // sub-form row added or removed changes the sums
  new MutationObserver((changes) => {
    if (changes.some((change) => change.target === form || change.target.matches?.("[data-rows]"))) later();
  }).observe(form, { childList: true, subtree: true });
  refresh(form);
}

for (const form of document.querySelectorAll("form[data-record-form][data-visibility]")) wire(form);
for (const form of document.querySelectorAll("form[data-record-form][data-fill]")) wireFill(form);
