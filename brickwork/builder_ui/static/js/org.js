// People and the org chart: /me, /admin/people, /admin/people/{id} and /admin/departments.
// Every change goes through the JSON API, so a page gets the same checks and per-field
// errors as a script. Text from the server is only ever set as textContent.
import Sortable from "/static/vendor/sortable.esm.js";
import { ask, dialogError, el, format, problemText, send } from "/static/js/views_common.js";

const failed = document.documentElement.lang === "zh-CN" ? "操作未成功。" : "That did not work.";

function message(text) {
  const box = document.getElementById("org-message");
  if (!box) return;
  box.textContent = text || "";
  box.hidden = !text;
}

async function call(method, url, body) {
  const response = await send(method, url, body);
  if (!response.ok) throw new Error(await problemText(response, failed));
  return response.status === 204 ? null : response.json();
}

function showOnce(name, password) {
  const box = document.getElementById("one-time");
  const text = document.getElementById("one-time-text");
  text.textContent = format(text.dataset.text, { name });
  document.getElementById("one-time-value").textContent = password;
  box.hidden = false;
}

// --- A person's profile, as the invite dialog and the person page edit it -----------------

function profile(form, creating) {
  const data = {};
  for (const name of ["display_name", "email", "phone", "title", "locale"]) {
    const input = form.elements[name];
    if (input) data[name] = input.value.trim() || (name === "display_name" || name === "phone" || name === "title" ? "" : null);
  }
  if (creating) data.username = form.elements.username.value.trim();
  data.is_admin = form.elements.is_admin.checked;
  data.departments = [...form.elements.departments.selectedOptions].map((o) => Number(o.value));
  const primary = form.elements.primary_department.value;
  data.primary_department = primary && data.departments.includes(Number(primary)) ? Number(primary) : null;
  if (form.elements.manager) data.manager = form.elements.manager.value ? Number(form.elements.manager.value) : null;
  return data;
}

async function invite() {
  const dialog = document.getElementById("invite-dialog");
  for (;;) {
    const form = await ask(dialog);
    if (!form) return;
    try {
      const person = await call("POST", "/api/v1/users", profile(form, true));
      dialog.close();
      form.reset();
      const list = document.querySelector("[data-testid=people]");
      list.prepend(el("li", { dataset: { username: person.username } },
        el("a", { href: `/admin/people/${person.id}` }, el("strong", { text: person.display_name || person.username })),
        el("span", { class: "muted", text: person.username })));
      if (person.one_time_password) showOnce(person.display_name || person.username, person.one_time_password);
      return;
    } catch (error) {
      dialogError(dialog, error.message);
    }
  }
}

async function importOrg(form) {
  const body = new FormData(form);
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
  const response = await fetch("/api/v1/users:import", { method: "POST", body,
    headers: { "X-CSRF-Token": csrf, Accept: "application/json" } });
  if (!response.ok) { message(await problemText(response, failed)); return; }
  const result = await response.json();
  message("");
  const summary = document.getElementById("import-summary");
  summary.textContent = format(summary.dataset.text, result);
  summary.hidden = false;
  const table = document.getElementById("import-problems");
  const rows = table.querySelector("tbody");
  rows.replaceChildren(...result.problems.map((p) => el("tr", {},
    el("td", { text: String(p.row) }), el("td", { text: p.column }), el("td", { text: p.value }),
    el("td", { text: p.message }))));
  table.hidden = result.problems.length === 0;
}

// --- Departments ---------------------------------------------------------------------------

async function saveDepartment(item, change) {
  try {
    await call("PATCH", `/api/v1/departments/${item.dataset.id}`, { ...change, version: Number(item.dataset.version) });
  } catch (error) {
    message(error.message);
    return false;
  }
  location.reload();
  return true;
}

async function editDepartment(item) {
  const dialog = document.getElementById("department-dialog");
  const form = dialog.querySelector("form");
  form.elements.name.value = item.dataset.name;
  form.elements.parent_id.value = item.dataset.parent;
  const heads = item.dataset.heads ? item.dataset.heads.split(",") : [];
  for (const option of form.elements.heads.options) option.selected = heads.includes(option.value);
  for (;;) {
    const answer = await ask(dialog);
    if (!answer) return;
    const parent = form.elements.parent_id.value;
    try {
      await call("PATCH", `/api/v1/departments/${item.dataset.id}`, {
        name: form.elements.name.value, parent_id: parent ? Number(parent) : null, version: Number(item.dataset.version),
        heads: [...form.elements.heads.selectedOptions].map((o) => Number(o.value)),
      });
      location.reload();
      return;
    } catch (error) {
      dialogError(dialog, error.message);
    }
  }
}

function arrangeable() {
  for (const list of document.querySelectorAll(".dept-tree")) {
    Sortable.create(list, {
      group: "departments", handle: ".dept-handle", animation: 120, forceFallback: true, fallbackOnBody: true,
      swapThreshold: 0.65, emptyInsertThreshold: 12,
      onStart: () => document.body.classList.add("dragging-dept"),
      onEnd: async (event) => {
        document.body.classList.remove("dragging-dept");
        const item = event.item;
        const parent = event.to.dataset.parent;
        if (parent === item.dataset.parent) return; // the order among siblings is by name
        if (!(await saveDepartment(item, { parent_id: parent ? Number(parent) : null }))) location.reload();
      },
    });
  }
}

// --- Wiring ----------------------------------------------------------------------------------

document.addEventListener("click", async (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  try {
    if (target.id === "invite-open") await invite();
    else if (target.dataset.revoke || target.dataset.revokeToken) {
      await call("DELETE", target.dataset.revoke || target.dataset.revokeToken);
      target.closest("li").remove();
    } else if (target.dataset.action === "reset-password") {
      const answer = await call("POST", `/api/v1/users/${target.dataset.id}:reset-password`);
      showOnce(target.dataset.name, answer.one_time_password);
    } else if (target.dataset.action) {
      await call("POST", `/api/v1/users/${target.dataset.id}:${target.dataset.action}`);
      location.reload();
    } else if (target.dataset.edit) await editDepartment(target.closest(".dept"));
    else if (target.dataset.delete) {
      const item = target.closest(".dept");
      await call("DELETE", `/api/v1/departments/${item.dataset.id}?version=${item.dataset.version}`);
      location.reload();
    }
  } catch (error) {
    message(error.message);
  }
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const handlers = {
    "password-form": async () => {
      const done = form.querySelector("[data-testid=password-done]");
      done.hidden = true;
      if (form.elements.new_password.value !== form.elements.repeat_password.value) {
        throw new Error(form.elements.repeat_password.dataset.mismatch);
      }
      await call("POST", "/api/v1/me/password", {
        current_password: form.elements.current_password.value, new_password: form.elements.new_password.value });
      form.reset();
      done.textContent = done.dataset.text;
      done.hidden = false;
      document.querySelector("[data-testid=must-change]")?.remove();
    },
    "token-form": async () => {
      const made = await call("POST", "/api/v1/me/tokens", {
        name: form.elements.name.value, read_only: form.elements.read_only.checked });
      document.getElementById("new-token-value").textContent = made.token;
      document.getElementById("new-token").hidden = false;
      const row = document.getElementById("token-row").content.firstElementChild.cloneNode(true);
      row.querySelector("strong").textContent = made.name || "—";
      row.querySelector("code").textContent = `${made.prefix}…`;
      row.querySelector(".muted").textContent = made.scopes.join(", ");
      row.querySelector("button").dataset.revokeToken = `/api/v1/me/tokens/${made.id}`;
      document.getElementById("token-list").prepend(row);
      form.reset();
    },
    "org-import": () => importOrg(form),
    "person-form": async () => {
      await call("PATCH", `/api/v1/users/${form.dataset.id}`, { ...profile(form, false), version: Number(form.dataset.version) });
      location.reload();
    },
    "department-create": async () => {
      const parent = form.elements.parent_id.value;
      await call("POST", "/api/v1/departments", { name: form.elements.name.value, parent_id: parent ? Number(parent) : null });
      location.reload();
    },
  };
  const handler = handlers[form.id];
  if (!handler) return;
  event.preventDefault();
  message("");
  try {
    await handler();
  } catch (error) {
    message(error.message);
  }
});

if (document.querySelector(".dept-tree")) arrangeable();
