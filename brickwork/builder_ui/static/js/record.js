// The record pages: submit forms without reloading (the server answers with the form's body,
// errors beside their fields), Ctrl/Cmd+Enter saves, edit in place, confirm before deleting,
// moments in the reader's own time zone, file uploads, and selecting all in the recycle bin.

const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
const lang = document.documentElement.lang || "en";

// Typed and not saved: leaving the page asks first. Saving, or "Reload theirs", leaves freely.
let unsaved = false;
window.addEventListener("beforeunload", (event) => {
  if (unsaved) event.preventDefault();
});

function leave(url) {
  unsaved = false;
  window.location.assign(url);
}

async function post(form, submitter) {
  const body = new URLSearchParams(new FormData(form, submitter));
  const response = await fetch(form.action, {
    method: "POST", body, headers: { "X-Fragment": "1", "X-CSRF-Token": csrf },
  });
  if (response.redirected) {  // the session ended: the server sends the person to sign in
    leave(response.url);
    return null;
  }
  if ((response.headers.get("content-type") || "").includes("application/json")) {
    leave((await response.json()).location);
    return null;
  }
  const outcome = { 409: "conflict", 422: "invalid" }[response.status] || String(response.status);
  return { outcome, html: await response.text() };
}

function focusProblem(root) {
  const target = root.querySelector(".has-error input, .has-error select, .has-error textarea")
    || root.querySelector("[data-testid=conflict], [data-testid=form-error]");
  if (target) target.focus();
}

// --- moments: "Nov 29, 2026, 7:40 PM · 3 minutes ago"
const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
// The tooltip: the full moment with its zone, in the page's language (not the browser's).
const exact = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "long" });
const STEPS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600],
  ["minute", 60], ["second", 1]];

function ago(date) {
  const seconds = (date.getTime() - Date.now()) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size || unit === "second") {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}

function showMoments(root) {
  for (const time of root.querySelectorAll("time[data-relative]")) {
    const date = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) continue;
    time.textContent = `${absolute.format(date)} · ${ago(date)}`;
    time.title = exact.format(date);
  }
}

// --- the create and edit form
function wireForm(form) {
  form.addEventListener("input", () => { unsaved = true; });
  form.addEventListener("click", (event) => {
    if (event.target.closest("[data-discard]")) unsaved = false;  // discarding is the point
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    form.setAttribute("aria-busy", "true");
    try {
      const answer = await post(form, event.submitter);
      if (!answer) return;
      form.innerHTML = answer.html;
      wireUploads(form);
      showMoments(form);
      focusProblem(form);
    } finally {
      form.removeAttribute("aria-busy");
    }
  });
}

// --- edit in place on the record page
// An edit of the title field renames the page: its heading and the window's title.
function retitle(title) {
  const heading = document.querySelector("[data-testid=record-title]");
  if (!heading || title === undefined || heading.textContent === title) return;
  document.title = document.title.replace(heading.textContent, title);
  heading.textContent = title;
}

function openEditor(cell) {
  const holder = cell.closest(".record-cell");
  const before = holder.innerHTML;
  fetch(cell.dataset.edit, { headers: { "X-Fragment": "1" } }).then(async (response) => {
    if (response.redirected) { window.location.assign(response.url); return; }
    holder.innerHTML = await response.text();
    const editor = holder.querySelector("form[data-inplace]");
    if (!editor) return;
    wireUploads(editor);
    wireEditor(editor, holder, before);
    const first = editor.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
}

function wireEditor(editor, holder, before) {
  const cancel = () => {
    holder.innerHTML = before;
    const value = holder.querySelector("[data-edit]");
    if (value) value.focus();
  };
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); cancel(); }
  });
  editor.addEventListener("click", (event) => {
    if (event.target.closest("[data-cancel]")) cancel();
    if (event.target.closest("[data-reload]")) window.location.reload();
  });
  editor.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await post(editor, event.submitter);
    if (!answer) return;
    if (answer.outcome === "200") {  // saved: the values and the history, redrawn
      const main = document.getElementById("record-main");
      main.outerHTML = answer.html;
      const fresh = document.getElementById("record-main");
      showMoments(fresh);
      retitle(fresh.dataset.title);
      const again = fresh.querySelector(`.record-cell[data-key="${holder.dataset.key}"] [data-edit]`);
      if (again) again.focus();
      return;
    }
    holder.innerHTML = answer.html;  // errors or a conflict, with what was typed
    const next = holder.querySelector("form[data-inplace]");
    if (next) {
      wireUploads(next);
      wireEditor(next, holder, before);
      showMoments(next);
      focusProblem(next);
    }
  });
}

document.addEventListener("click", (event) => {
  const cell = event.target.closest("[data-edit]");
  if (cell) openEditor(cell);
});

document.addEventListener("keydown", (event) => {
  const cell = event.target.closest && event.target.closest("[data-edit]");
  if (cell && event.key === "Enter") {
    event.preventDefault();
    openEditor(cell);
    return;
  }
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {  // Ctrl/Cmd+Enter saves
    const form = event.target.closest && event.target.closest("form[data-record-form], form[data-inplace]");
    const target = form || document.querySelector("form[data-record-form]");
    if (target) {
      event.preventDefault();
      target.requestSubmit(target.querySelector("[data-save]"));
    }
  }
});

// --- confirm before deleting
for (const form of document.querySelectorAll("form[data-confirm]")) {
  const dialog = document.getElementById(form.dataset.confirm);
  form.addEventListener("submit", (event) => {
    if (form.dataset.confirmed === "1") return;
    event.preventDefault();
    dialog.returnValue = "";
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "confirm") {
      form.dataset.confirmed = "1";
      form.requestSubmit();
    }
  });
}

// --- file fields: upload first, then the form carries the file ids
function wireUploads(root) {
  for (const input of root.querySelectorAll("input[type=file][data-upload]")) {
    input.addEventListener("change", async () => {
      for (const file of input.files) {
        const body = new FormData();
        body.append("file", file);
        const response = await fetch("/api/v1/files", { method: "POST", body, headers: { "X-CSRF-Token": csrf } });
        if (!response.ok) continue;
        const stored = await response.json();
        const hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = input.dataset.upload;
        hidden.value = stored.id;
        input.after(hidden);
        const name = document.createElement("small");
        name.className = "muted";
        name.textContent = file.name;
        hidden.after(name);
      }
      input.value = "";
    });
  }
}

// --- the recycle bin: select all
for (const all of document.querySelectorAll("[data-select-all]")) {
  all.addEventListener("change", () => {
    for (const box of all.closest("form").querySelectorAll("input[name=ids]")) box.checked = all.checked;
  });
}

for (const form of document.querySelectorAll("form[data-record-form]")) wireForm(form);
wireUploads(document);
showMoments(document);
focusProblem(document);
// "Saved" was said once; a reload should not say it again.
const url = new URL(window.location.href);
if (url.searchParams.has("saved") || url.searchParams.has("restored")) {
  url.searchParams.delete("saved");
  url.searchParams.delete("restored");
  window.history.replaceState(null, "", url);
}
