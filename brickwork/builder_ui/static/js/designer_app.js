// The app page. The new form's key follows its English name until the key is edited.
import Sortable from "/static/vendor/sortable.esm.js";
import { request, slug } from "/static/js/designer_util.js";

for (const form of document.querySelectorAll("[data-new-form]")) {
  const source = form.querySelector("[data-key-source]");
  const target = form.querySelector("[data-key-target]");
  let edited = target.value !== "";
  target.addEventListener("input", () => { edited = target.value !== ""; });
  source.addEventListener("input", () => { if (!edited) target.value = slug(source.value); });
}

// Deleting asks first; the app goes to the recycle bin, so a slip can be undone there.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// The order of forms: dragged (or moved with the arrow buttons) and saved as the app's
// order, with the app's version so a builder who changed the app meanwhile is told.
const list = document.querySelector("[data-order]");
if (list) {
  const status = document.querySelector("[data-order-status]");
  const save = async () => {
    const keys = Array.from(list.querySelectorAll("[data-form]"), (item) => item.dataset.form);
    const answer = await request("PATCH", `/api/v1/apps/${list.dataset.app}`,
      { body: { order: { form: keys } }, revision: list.dataset.version }).catch(() => null);
    if (answer && answer.ok) {
      list.dataset.version = answer.data.version;
      status.textContent = list.dataset.moved;
    } else {
      status.textContent = answer && answer.status === 409 ? list.dataset.stale : list.dataset.failed;
    }
  };
  Sortable.create(list, { animation: 150, draggable: "[data-form]", handle: ".order-grip", onEnd: (event) => {
    if (event.oldIndex !== event.newIndex) save();
  } });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    const item = button.closest("[data-form]");
    const other = button.dataset.move === "-1" ? item.previousElementSibling : item.nextElementSibling;
    if (!other) return;
    if (button.dataset.move === "-1") list.insertBefore(item, other);
    else list.insertBefore(other, item);
    button.focus();
    save();
  });
}
