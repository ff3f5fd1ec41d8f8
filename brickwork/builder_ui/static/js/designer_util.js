// Small helpers of the designer's scripts: building elements (text only, never HTML),
// keys and ids, and JSON requests with the page's CSRF token.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name in el && typeof value !== "string") el[name] = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function format(text, params) {
  return text.replace(/%\((\w+)\)s/g, (_m, name) => String(params[name] ?? ""));
}

export const KEY_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

// "Customer name" -> "customer_name"; "" when nothing usable is left.
export function slug(text) {
  const base = (text || "").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 50);
  if (!base) return "";
  return /^[a-z]/.test(base) ? base : `f_${base}`;
}

export function uniqueKey(base, taken, fallback = "field") {
  if (base && !taken.has(base)) return base;
  if (base) {
    for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
  }
  for (let n = 1; ; n++) if (!taken.has(`${fallback}_${n}`)) return `${fallback}_${n}`;
}

// Ids are given once and never change: records and rules point at them.
export function newId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return prefix + Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 10);
}

export function pick(label, locale) {
  if (!label) return "";
  return label[locale] || label.en || label["zh-CN"] || Object.values(label)[0] || "";
}

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
  } catch {
    return "";
  }
}

// A request to our own server. Resolves to {status, ok, data, headers}; rejects only when
// the server could not be reached.
export async function request(method, url, { body, revision, accept = "application/json" } = {}) {
  const headers = { "X-CSRF-Token": csrfToken(), Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (revision !== undefined && revision !== null) headers["If-Match"] = `"${revision}"`;
  const response = await fetch(url, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin",
  });
  const type = response.headers.get("content-type") || "";
  let data = null;
  if (type.includes("json")) data = await response.json();
  else if (response.status !== 204) data = await response.text();
  return { status: response.status, ok: response.ok, data, headers: response.headers };
}
