// The app page: the new form's key follows its English name until the key is edited.
import { slug } from "/static/js/designer_util.js";

for (const form of document.querySelectorAll("[data-new-form]")) {
  const source = form.querySelector("[data-key-source]");
  const target = form.querySelector("[data-key-target]");
  let edited = target.value !== "";
  target.addEventListener("input", () => { edited = target.value !== ""; });
  source.addEventListener("input", () => { if (!edited) target.value = slug(source.value); });
}
