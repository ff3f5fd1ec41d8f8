// The app roles page (builder_ui/roles_page.py): a card per role with its names, the admin
// flag, its members (people and departments, picked by name) and its menu. Every change goes
// through /api/v1/apps/{app}/roles; after each one the roles are read again from the API.
// Text from the server is only ever set as textContent.
import { el, format, pageData, problemText, send } from "/static/js/views_common.js";

const S = pageData("roles-state");
const T = S.strings;
const api = `/api/v1/apps/${encodeURIComponent(S.app)}/roles`;
const list = document.querySelector("[data-testid=roles]");
const status = document.querySelector("[data-testid=roles-status]");
const box = document.getElementById("roles-message");

function message(text) {
  box.textContent = text || "";
  box.hidden = !text;
}

async function call(method, url, body) {
  const response = await send(method, url, body);
  if (!response.ok) throw new Error(response.status === 409 && method === "PATCH" ? T.stale : await problemText(response, T.failed));
  return response.status === 204 ? null : response.json();
}

async function change(action) {
  message("");
  status.textContent = "";
  try {
    await action();
    S.roles = await call("GET", api);
    draw();
    status.textContent = T.saved;
  } catch (error) {
    message(error.message);
  }
}

const entryId = (e) => `${e.type}:${e.form}:${e.view || ""}`;
const roleUrl = (role) => `${api}/${encodeURIComponent(role.key)}`;

function memberItem(role, member) {
  const which = member.user !== undefined ? "user" : "department";
  const name = which === "department" ? `${member.name} (${T.below})` : member.name;
  return el("li", { dataset: { [which]: member[which] } }, el("span", { text: name }),
    el("button", { type: "button", class: "icon-button", "aria-label": `${T.remove}: ${member.name}`, text: "×",
      dataset: { remove: which } }));
}

function picker(list, label, which) {
  const input = el("input", { list, autocomplete: "off", name: which, dataset: { pick: which } });
  return [el("label", {}, label, input), input];
}

function roleCard(role) {
  const zh = el("input", { name: "label_zh", value: role.label["zh-CN"] || "" });
  const en = el("input", { name: "label_en", value: role.label.en || "" });
  const admin = el("input", { type: "checkbox", name: "admin", checked: role.admin });
  const chosen = new Set(role.menu.map(entryId));
  const menuBoxes = S.entries.map((entry) => [entry, el("input", { type: "checkbox", checked: chosen.has(entryId(entry)),
    dataset: { entry: entryId(entry) } })]);
  const members = el("ul", { class: "role-members", dataset: { testid: "members" } },
    ...role.members.map((m) => memberItem(role, m)));
  const [personLabel, person] = picker("role-people", T.add_person, "user");
  const [departmentLabel, department] = picker("role-departments", T.add_department, "department");
  const card = el("section", { class: "card role-card", dataset: { role: role.key } },
    el("h2", { text: `${role.label[document.documentElement.lang] || role.label.en || role.label["zh-CN"] || role.key} (${role.key})` }),
    el("div", { class: "role-names" }, el("label", {}, T.name_zh, zh), el("label", {}, T.name_en, en)),
    el("label", { class: "check", title: T.admin_help }, admin, T.admin),
    el("fieldset", {}, el("legend", { text: T.members }),
      role.members.length ? members : el("p", { class: "muted", text: T.no_members }),
      el("div", { class: "role-add" }, personLabel, el("button", { type: "button", dataset: { add: "user" }, text: T.add })),
      el("div", { class: "role-add" }, departmentLabel,
        el("button", { type: "button", dataset: { add: "department" }, text: T.add }))),
    el("fieldset", {}, el("legend", { text: T.menu }), el("p", { class: "muted", text: T.menu_help }),
      el("div", { class: "role-menu" }, ...menuBoxes.map(([entry, input]) =>
        el("label", {}, input, `${entry.type === "view" ? `${T.view}: ` : ""}${entry.label}`)))),
    el("div", { class: "role-buttons" },
      el("button", { type: "button", class: "primary", dataset: { action: "save" }, text: T.save }),
      el("button", { type: "button", class: "danger", dataset: { action: "delete" }, text: T.delete })));

  card.querySelector("[data-action=save]").addEventListener("click", () => change(() => {
    const label = Object.fromEntries([["zh-CN", zh.value.trim()], ["en", en.value.trim()]].filter(([, v]) => v));
    const menu = menuBoxes.filter(([, input]) => input.checked).map(([entry]) =>
      ({ type: entry.type, form: entry.form, ...(entry.view ? { view: entry.view } : {}) }));
    return call("PATCH", roleUrl(role), { label, admin: admin.checked, menu, version: role.version });
  }));
  card.querySelector("[data-action=delete]").addEventListener("click", () => {
    if (!window.confirm(format(T.delete_confirm, { name: role.key }))) return;
    change(() => call("DELETE", roleUrl(role)));
  });
  for (const [which, input] of [["user", person], ["department", department]]) {
    input.addEventListener("input", () => suggest(which, input.value));
    input.addEventListener("focus", () => suggest(which, input.value));
    card.querySelector(`[data-add=${which}]`).addEventListener("click", () => {
      const id = (input.value.match(/#(\d+)\)?\s*$/) || [])[1];
      if (!id) { message(T.pick_first); return; }
      change(() => call("POST", `${roleUrl(role)}/members`, { [which]: Number(id) }));
    });
  }
  members.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove]");
    if (!button) return;
    const which = button.dataset.remove;
    const id = button.closest("li").dataset[which];
    change(() => call("DELETE", `${roleUrl(role)}/members?${which}=${id}`));
  });
  return card;
}

async function suggest(which, text) {
  const path = which === "user" ? "users:pick" : "departments:pick";
  const q = text.replace(/\s*\(#\d+\)\s*$/, "");
  const response = await send("GET", `/api/v1/${path}?q=${encodeURIComponent(q)}`).catch(() => null);
  if (!response?.ok) return;
  const found = await response.json();
  document.getElementById(which === "user" ? "role-people" : "role-departments").replaceChildren(
    ...found.map((item) => el("option", { value: `${"\u00a0".repeat(2 * (item.depth || 0))}${item.name} (#${item.id})`.trim() })));
}

function draw() {
  list.replaceChildren(...S.roles.map(roleCard));
}

document.querySelector("[data-testid=new-role]").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const label = Object.fromEntries([["zh-CN", form.elements.label_zh.value.trim()],
    ["en", form.elements.label_en.value.trim()]].filter(([, v]) => v));
  change(async () => {
    await call("POST", api, { key: form.elements.key.value.trim(), label, admin: form.elements.admin.checked, menu: [] });
    form.reset();
  });
});
draw();
