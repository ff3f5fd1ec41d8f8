// Saved views on the table page: save as (personal or shared), save, rename, delete,
// all through /api/v1/.../views without reloading the page.
import { ask, dialogError, el, format, problemText, send, showMessage } from "./views_common.js";

export function stateFromConfig(config) {
  return {
    filter: config.filter || null, sort: config.sort || "", q: config.search || "",
    columns: config.columns || null, widths: { ...(config.widths || {}) },
  };
}

export function bindSavedViews({ data, text, confirmed, config, saved }) {
  const $ = (id) => document.getElementById(id);
  const dialog = $("save-dialog");
  const nameInput = dialog.querySelector("input[name=name]");
  const sharedBox = dialog.querySelector("input[name=shared]");
  const switcher = $("view-switch");
  const url = (view) => `${data.api}/views${view ? `/${view.id}` : ""}`;

  function updateButtons() {
    const mine = data.view && (!data.view.shared || data.can_share);
    for (const id of ["view-save", "view-rename", "view-delete"]) $(id).hidden = !mine;
  }

  function optionOf(view) {
    return switcher.querySelector(`option[value="${view.id}"]`);
  }

  function opened(view) {
    data.view = view;
    let option = optionOf(view);
    if (!option) {
      option = el("option", { value: view.id });
      switcher.querySelector(`optgroup[data-shared="${view.shared}"]`).append(option);
    }
    option.textContent = view.title;
    switcher.value = String(view.id);
    updateButtons();
    saved();
  }

  async function askName(name, withShared) {
    nameInput.value = name;
    if (sharedBox) {
      sharedBox.checked = false;
      sharedBox.closest("label").hidden = !withShared;
    }
    return ask(dialog);
  }

  $("view-save-as").addEventListener("click", async () => {
    while (await askName("", true)) {
      const body = { name: nameInput.value, type: "table", shared: Boolean(sharedBox && sharedBox.checked),
                     config: config() };
      const response = await send("POST", url(null), body);
      if (response.ok) {
        dialog.close();
        opened(await response.json());
        showMessage(text.saved, "ok");
        return;
      }
      dialogError(dialog, await problemText(response, text.failed));
    }
  });

  $("view-save").addEventListener("click", async () => {
    const response = await send("PATCH", url(data.view), { version: data.view.version, config: config() });
    if (!response.ok) {
      showMessage(await problemText(response, text.failed));
      return;
    }
    opened(await response.json());
    showMessage(text.saved, "ok");
  });

  $("view-rename").addEventListener("click", async () => {
    while (await askName(data.view.title, false)) {
      const response = await send("PATCH", url(data.view), { version: data.view.version, name: nameInput.value });
      if (response.ok) {
        dialog.close();
        const view = await response.json();
        data.view = { ...data.view, title: view.title, name: view.name, version: view.version };
        optionOf(view).textContent = view.title;
        showMessage(text.saved, "ok");
        return;
      }
      dialogError(dialog, await problemText(response, text.failed));
    }
  });

  $("view-delete").addEventListener("click", async () => {
    const view = data.view;
    await confirmed(format(text.delete_view_confirm, { name: view.title }), async () => {
      const response = await send("DELETE", url(view));
      if (!response.ok) return problemText(response, text.failed);
      optionOf(view).remove();
      switcher.value = "";
      data.view = null;
      updateButtons();
      saved();
      return null;
    });
  });

  updateButtons();
}
