// Helpers the record views share: JSON data from the page, fetch with the CSRF token,
// problem+json as a message, safe DOM building (text is always textContent).

export function pageData(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

export function csrfToken() {
  const headers = document.body.getAttribute("hx-headers");
  return headers ? JSON.parse(headers)["X-CSRF-Token"] : "";
}

// fetch() with the session's CSRF header; JSON bodies are encoded. Resolves to the Response.
export function send(method, url, body) {
  const options = { method, headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(url, options);
}

// The message a person reads for a failed response: title, detail, then each field's message.
export async function problemText(response, fallback) {
  try {
    const problem = await response.json();
    const parts = [problem.title, problem.detail].filter(Boolean);
    // A conflict's detail says it all; otherwise each field's message says what to fix.
    if (!problem.detail) for (const error of problem.errors || []) parts.push(error.message);
    return parts.join(" ") || fallback;
  } catch {
    return fallback;
  }
}

// "%(n)s records" with {n: 3}. A message with a count comes as its plural forms
// ({one, other}, views_common.py plural()); the page's language picks one for params.n.
const pluralRules = new Intl.PluralRules(document.documentElement.lang || "en");
export function format(text, params) {
  if (typeof text === "object") text = text[pluralRules.select(Number(params.n))] ?? text.other;
  return text.replace(/%\((\w+)\)s/g, (_m, name) => String(params[name] ?? ""));
}

// el("button", {type: "button", class: "x", dataset: {id: 1}}, "text", child...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function showMessage(text, kind = "error") {
  const box = document.getElementById("views-message");
  if (!box) return;
  box.textContent = text;
  box.classList.toggle("ok", kind === "ok");
  box.setAttribute("role", kind === "ok" ? "status" : "alert");
  box.hidden = !text;
}

// A <dialog> with a form: resolves with the form when confirmed, null when cancelled.
export function ask(dialog) {
  const form = dialog.querySelector("form");
  const error = dialog.querySelector("[data-role=error]");
  if (error && !dialog.open) { error.hidden = true; error.textContent = ""; }
  return new Promise((resolve) => {
    const cancel = dialog.querySelector("[data-role=cancel]");
    const done = (value) => {
      form.removeEventListener("submit", onSubmit);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      resolve(value);
    };
    const onSubmit = (event) => { event.preventDefault(); done(form); };
    const onCancel = () => { dialog.close(); done(null); };
    form.addEventListener("submit", onSubmit);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
    if (!dialog.open) dialog.showModal();
  });
}

export function dialogError(dialog, text) {
  const error = dialog.querySelector("[data-role=error]");
  error.textContent = text;
  error.hidden = false;
}

// The saved-view switcher: choosing a view opens it.
export function bindViewSwitch() {
  const select = document.getElementById("view-switch");
  if (!select) return;
  select.addEventListener("change", () => {
    const params = new URLSearchParams(location.search);
    for (const name of ["view", "by", "filter", "sort", "q", "columns", "widths"]) params.delete(name);
    if (select.value) params.set("view", select.value);
    const query = params.toString();
    location.assign(select.dataset.base + (query ? `?${query}` : ""));
  });
}
