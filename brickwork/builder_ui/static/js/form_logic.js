// Visibility rules on the create and edit pages: as the person types, ask the server which
// fields and sections the form's rules hide (the engine answers, with the code a save runs:
// there is no second implementation of the expression language here) and hide them.

const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
const WAIT = 250;  // ms after the last keystroke

async function refresh(form) {
  const body = new URLSearchParams(new FormData(form));
  const response = await fetch(form.dataset.visibility, {
    method: "POST", body, headers: { "X-CSRF-Token": csrf },
  });
  if (!response.ok || !(response.headers.get("content-type") || "").includes("application/json")) return;
  apply(form, await response.json());
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

function keyOf(event) {
  const cell = event.target.closest && event.target.closest(".record-cell[data-key]");
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
    const input = form.querySelector(`.record-cell[data-key="${key}"] [name="${key}"]`);
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
    if (event.isTrusted && !triggers.has(key)) byHand.get(form).add(key);
    if (triggers.has(key)) fill(form, key);
  };
  form.addEventListener("change", changed);
  form.addEventListener("input", (event) => {
    const key = keyOf(event);
    if (key && event.isTrusted && !triggers.has(key)) byHand.get(form).add(key);
    else if (key && triggers.has(key) && !event.isTrusted) fill(form, key);  // a picker chose a record
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
  // a submit redraws the form's body: the new inputs start all shown, so ask again
  new MutationObserver((changes) => {
    if (changes.some((change) => change.target === form)) later();
  }).observe(form, { childList: true });
  refresh(form);
}

for (const form of document.querySelectorAll("form[data-record-form][data-visibility]")) wire(form);
for (const form of document.querySelectorAll("form[data-record-form][data-fill]")) wireFill(form);
