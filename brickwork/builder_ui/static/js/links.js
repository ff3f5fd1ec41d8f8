// Relations and sub-forms on the record pages (templates/widgets.html, macros relation and
// subform): the record picker, a combobox that searches the linked form on the server as the
// person types, and the sub-form editor (add, remove, move rows; names renumbered so the
// server reads lines[0].qty in order). Widgets that arrive later (a form redrawn after an
// error, an edit in place) are wired as they appear.

const DEBOUNCE_MS = 200;
const LIMIT = 20;

// --- the record picker
function wirePicker(root) {
  const input = root.querySelector(".picker-input");
  const list = root.querySelector(".picker-list");
  const chips = root.querySelector(".picker-chips");
  const multiple = root.dataset.multiple === "true";
  let options = [];
  let active = -1;
  let timer = null;
  let pending = null;
  let asked = null;

  const chosenIds = () => [...chips.querySelectorAll("[data-id]")].map((chip) => chip.dataset.id);
  const changed = () => input.dispatchEvent(new Event("input", { bubbles: true }));  // "unsaved"

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const items = [...list.querySelectorAll("[role=option]:not([aria-disabled=true])")];
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function show(found) {
    const taken = new Set(chosenIds());
    options = found.filter((item) => !taken.has(String(item.id)));
    list.replaceChildren();
    if (!options.length) {
      const empty = document.createElement("li");
      empty.setAttribute("role", "option");
      empty.setAttribute("aria-disabled", "true");
      empty.className = "picker-empty";
      empty.id = `${list.id}-none`;
      empty.textContent = root.dataset.empty || "—";
      list.append(empty);
    }
    options.forEach((item, i) => {
      const option = document.createElement("li");
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.id = `${list.id}-${i}`;
      option.dataset.index = String(i);
      option.textContent = item.title;
      list.append(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
    if (options.length && input.value.trim()) highlight(0);
  }

  function cancel() {  // a search asked for before, still waiting or on its way back
    clearTimeout(timer);
    if (pending) pending.abort();
  }

  async function search() {
    if (!root.dataset.source) return;
    const q = input.value.trim();
    cancel();
    pending = new AbortController();
    asked = q;
    try {
      const url = `${root.dataset.source}?${new URLSearchParams({ q, limit: String(LIMIT), ...narrowing() })}`;
      const response = await fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } });
      if (!response.ok || asked !== q) return;
      show(await response.json());
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }

  // A picker filter that reads other fields of this record (a quote's customer): the list
  // is asked for with their current values, so it offers only the records that fit.
  function narrowing() {
    const form = root.closest("form");
    const page = location.pathname.match(/\/forms\/([^/]+)\/records/);
    if (!root.dataset.depends || !form || !page) return {};
    const data = new FormData(form);
    const record = {};
    for (const key of root.dataset.depends.split(",")) {
      const value = data.get(key);
      record[key] = value === null || value === "" ? null : value;
    }
    return { for: `${decodeURIComponent(page[1])}.${root.dataset.key}`, record: JSON.stringify(record) };
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  }

  function chip(id, title) {
    const item = document.createElement("li");
    item.className = "picker-chip";
    item.dataset.id = String(id);
    const name = document.createElement(root.dataset.link ? "a" : "span");
    if (root.dataset.link) name.href = root.dataset.link + id;
    name.textContent = title;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "picker-remove";
    remove.dataset.remove = "";
    remove.setAttribute("aria-label", (root.dataset.removeText || "Remove %s").replace("%s", title));
    remove.textContent = "×";
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = root.dataset.key;  // read now: a sub-form row's number changes as rows move
    hidden.value = String(id);
    item.append(name, " ", remove, hidden);
    return item;
  }

  function choose(index) {
    const item = options[index];
    if (!item) return;
    if (!multiple) chips.replaceChildren();
    chips.append(chip(item.id, item.title));
    input.value = "";
    cancel();  // or its answer would open the list again over what is below it
    close();
    changed();
    input.focus();
  }

  input.addEventListener("input", (event) => {
    if (event.isTrusted) later();
  });
  input.addEventListener("focus", () => { if (list.hidden) later(); });
  input.addEventListener("click", () => { if (list.hidden) search(); });
  input.addEventListener("blur", () => { clearTimeout(timer); close(); });
  input.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey) return;  // Ctrl+Enter saves the form
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { search(); return; }
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();  // choosing, never submitting the form
      if (!list.hidden && active >= 0) choose(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();  // an edit in place stays open: only the list closes
      close();
    } else if (event.key === "Backspace" && !input.value && multiple) {
      const last = chips.lastElementChild;
      if (last) { last.remove(); changed(); }
    }
  });
  // Pressing on an option must not blur the input first, or the list would close under it.
  list.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option][data-index]");
    if (option) choose(Number(option.dataset.index));
  });
  chips.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove]");
    if (!button) return;
    button.closest("[data-id]").remove();
    changed();
    input.focus();
  });
}

// --- the sub-form editor
function wireSubform(root) {
  const key = root.dataset.subform;
  const body = root.querySelector("[data-rows]");
  const blank = root.querySelector("template[data-blank]");
  const add = root.querySelector("[data-add-row]");
  const count = root.querySelector(".subform-count");
  const min = Number(root.dataset.min || 0);
  const max = root.dataset.max ? Number(root.dataset.max) : Infinity;
  const numbered = new RegExp(`${key}\\[(?:\\d+|__i__)\\]`, "g");
  const ATTRIBUTES = ["name", "id", "for", "data-field", "data-key", "aria-controls", "aria-labelledby",
    "aria-activedescendant"];

  const rows = () => [...body.querySelectorAll(":scope > [data-row]")];

  function renumber() {
    rows().forEach((row, i) => {
      row.querySelector("[data-number]").textContent = String(i + 1);
      for (const element of row.querySelectorAll("*")) {
        for (const name of ATTRIBUTES) {
          const value = element.getAttribute(name);
          if (value && value.includes(`${key}[`)) element.setAttribute(name, value.replace(numbered, `${key}[${i}]`));
        }
      }
    });
    const n = rows().length;
    count.textContent = [count.dataset.text.replace("{n}", String(n)), count.dataset.limits].filter(Boolean).join(" · ");
    add.disabled = n >= max;
    rows().forEach((row, i) => {
      row.querySelector("[data-remove-row]").disabled = n <= min;
      row.querySelector("[data-move='-1']").disabled = i === 0;
      row.querySelector("[data-move='1']").disabled = i === n - 1;
    });
  }

  const changed = () => root.dispatchEvent(new Event("input", { bubbles: true }));

  add.addEventListener("click", () => {
    if (rows().length >= max) return;
    body.append(blank.content.cloneNode(true));
    renumber();
    changed();
    const first = rows().at(-1).querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
  body.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || button.disabled) return;
    const row = button.closest("[data-row]");
    if (button.hasAttribute("data-remove-row")) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      changed();
      (next ? next.querySelector("[data-remove-row]") : add).focus();
    } else if (button.dataset.move) {
      const other = button.dataset.move === "-1" ? row.previousElementSibling : row.nextElementSibling;
      if (!other) return;
      if (button.dataset.move === "-1") other.before(row); else other.after(row);
      renumber();
      changed();
      button.focus();
    }
  });
  renumber();
}

function wire(node) {
  if (!(node instanceof Element)) return;
  const each = (selector, fn) => {
    const found = [...(node.matches(selector) ? [node] : []), ...node.querySelectorAll(selector)];
    for (const element of found) {
      element.dataset.wired = "1";
      fn(element);
    }
  };
  each("[data-subform]:not([data-wired])", wireSubform);
  each("[data-picker]:not([data-wired])", wirePicker);
}

wire(document.body);
new MutationObserver((changes) => {
  for (const change of changes) change.addedNodes.forEach(wire);
}).observe(document.body, { childList: true, subtree: true });
