// Approvals on the record page and the approval page: the buttons of an approval (one
// dialog asks for the comment, people, position or step each action needs), saving the
// fields the current step lets the reader change, and "Submit for approval" with its path
// preview. Everything goes to the flow API; a refusal is shown in the dialog.
import { ask, csrfToken, dialogError, el, problemText, send } from "./views_common.js";

const TASK_ACTIONS = { approve: "approve", reject: "reject", return: "return", transfer: "transfer", add_sign: "add-sign" };
const PARTS = {
  approve: ["comment"], reject: ["comment"], return: ["target", "comment"], transfer: ["users", "comment"],
  add_sign: ["users", "position", "comment"], cc: ["users", "comment"], comment: ["comment"],
  withdraw: ["comment"], resubmit: ["comment"], urge: [], terminate: ["comment"],
};
const MANY = new Set(["add_sign", "cc"]);

// Uploads the chosen files (POST /api/v1/files); their ids, or the refusal's Response.
async function upload(input) {
  const ids = [];
  for (const file of input.files) {
    const body = new FormData();
    body.append("file", file);
    const response = await fetch("/api/v1/files", { method: "POST", body,
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" } });
    if (!response.ok) return response;
    ids.push((await response.json()).id);
  }
  return ids;
}

// The values typed into the editable fields of an approval, by field key.
function edits(box) {
  const values = {};
  for (const input of box.querySelectorAll("[data-edit-key]")) {
    if (input.value !== input.defaultValue) values[input.dataset.editKey] = input.value === "" ? null : input.value;
  }
  return values;
}

async function act(box, action, button) {
  const dialog = document.getElementById("approval-dialog");
  const parts = PARTS[action];
  for (const part of dialog.querySelectorAll("[data-part]")) part.hidden = !parts.includes(part.dataset.part);
  dialog.querySelector("[data-role=title]").textContent = button.textContent.trim();
  const users = dialog.querySelector("select[name=users]");
  users.multiple = MANY.has(action);
  users.size = MANY.has(action) ? 5 : 1;
  const target = dialog.querySelector("select[name=target]");
  target.replaceChildren(target.options[0], ...box.querySelector("template[data-passed]").content.cloneNode(true).children);
  dialog.querySelector("textarea[name=comment]").value = "";
  dialog.querySelector("input[name=files]").value = "";
  for (;;) {
    const form = await ask(dialog);
    if (!form) return;
    const body = {};
    const comment = form.comment.value.trim();
    if (comment) body.comment = comment;
    if (parts.includes("comment") && form.files.files.length) {
      const ids = await upload(form.files);
      if (!Array.isArray(ids)) { dialogError(dialog, await problemText(ids, dialog.dataset.failed)); continue; }
      body.attachments = ids;
    }
    if (parts.includes("users")) body.users = [...users.selectedOptions].map((o) => Number(o.value));
    if (parts.includes("position")) body.position = form.querySelector("input[name=position]:checked").value;
    if (parts.includes("target") && target.value) body.target = target.value;
    const values = edits(box);
    if (Object.keys(values).length && (action === "approve" || action === "resubmit")) {
      body.values = values;
      body.version = Number(box.dataset.recordVersion);
    }
    const url = TASK_ACTIONS[action]
      ? `/api/v1/flow-tasks/${box.dataset.task}:${TASK_ACTIONS[action]}`
      : `/api/v1/flow-instances/${box.dataset.instance}:${action}`;
    const response = await send("POST", url, body);
    if (response.ok) {
      dialog.close();
      window.location.reload();
      return;
    }
    dialogError(dialog, await problemText(response, dialog.dataset.failed));
  }
}

async function save(box, button) {
  const response = await send("PATCH", `/api/v1/flow-tasks/${box.dataset.task}/record`,
    { values: edits(box), version: Number(box.dataset.recordVersion) });
  if (response.ok) { window.location.reload(); return; }
  const note = box.querySelector("[data-role=save-error]") || el("p", { class: "alert", role: "alert", dataset: { role: "save-error" } });
  note.textContent = await problemText(response, document.getElementById("approval-dialog").dataset.failed);
  button.after(note);
}

for (const box of document.querySelectorAll("[data-testid=approval]")) {
  for (const button of box.querySelectorAll("[data-approval-action]")) {
    button.addEventListener("click", () => act(box, button.dataset.approvalAction, button));
  }
  const saveButton = box.querySelector("[data-approval-save]");
  if (saveButton) saveButton.addEventListener("click", () => save(box, saveButton));
}

// "Submit for approval": the path this record would take (re-read when a self-selected
// approver changes), then start.
const lang = document.documentElement.lang || "en";
const labelOf = (label, fallback) => (label && (label[lang] || label[lang.split("-")[0]] || label.en || Object.values(label)[0])) || fallback;

async function preview(dialog) {
  const steps = dialog.querySelector("[data-role=steps]");
  const response = await send("POST", `/api/v1/apps/${dialog.dataset.app}/flows/${dialog.dataset.flow}:preview`,
    { record_id: Number(dialog.dataset.record), chosen: chosen(dialog) });
  if (!response.ok) { steps.replaceChildren(el("li", { class: "alert", text: await problemText(response, dialog.dataset.failed) })); return; }
  const data = await response.json();
  const kinds = JSON.parse(dialog.dataset.kinds);
  steps.replaceChildren(...data.steps.map((step) => el("li", { dataset: { testid: "preview-step", node: step.node } },
    el("strong", { text: labelOf(step.label, kinds[step.type] || step.type) }), " ",
    el("span", { class: "preview-people", text: step.people.map((p) => p.name).join(", ") || dialog.dataset.nobody }))));
}

function chosen(dialog) {
  const picked = {};
  for (const select of dialog.querySelectorAll("select[data-choose]")) {
    const ids = [...select.selectedOptions].map((o) => Number(o.value)).filter(Boolean);
    if (ids.length) picked[select.dataset.choose] = ids;
  }
  return picked;
}

for (const button of document.querySelectorAll("[data-flow-submit]")) {
  const dialog = document.getElementById(`flow-submit-${button.dataset.flowSubmit}`);
  for (const select of dialog.querySelectorAll("select[data-choose]")) select.addEventListener("change", () => preview(dialog));
  button.addEventListener("click", async () => {
    dialog.showModal();
    await preview(dialog);
    for (;;) {
      const form = await ask(dialog);
      if (!form) return;
      const body = { record_id: Number(dialog.dataset.record), chosen: chosen(dialog) };
      const comment = form.comment.value.trim();
      if (comment) body.comment = comment;
      const response = await send("POST", `/api/v1/apps/${dialog.dataset.app}/flows/${dialog.dataset.flow}:start`, body);
      if (response.ok) { dialog.close(); window.location.reload(); return; }
      dialogError(dialog, await problemText(response, dialog.dataset.failed));
    }
  });
}
