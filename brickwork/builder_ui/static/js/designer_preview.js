// The designer's live preview: the draft drawn by the server with the record pages' own
// template, honouring the draft's visibility rules as the person types into it.
import { PAGE, S, applyErrors, outgoing } from "/static/js/designer.js";
import { h, request } from "/static/js/designer_util.js";
import { apply as applyVisibility } from "/static/js/form_logic.js";

export async function refreshPreview() {
  const frame = document.querySelector(".dz-frame");
  const sent = outgoing();
  const res = await request("POST", `${PAGE}/design/preview`, { body: sent, accept: "text/html" }).catch(() => null);
  if (!res) return;
  if (res.ok) {
    // Rendered by our server from escaped templates.
    frame.innerHTML = res.data;
    const form = frame.querySelector("form");
    if (!form) return;
    form.addEventListener("submit", (e) => e.preventDefault());
    let timer = null;
    const later = () => { clearTimeout(timer); timer = setTimeout(() => previewVisibility(form, sent), 250); };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    previewVisibility(form, sent);
  } else {
    frame.replaceChildren(h("p", { class: "alert" }, S.T.preview_failed));
    applyErrors(res.data, sent);
  }
}

// The preview honours the draft's visibility rules: the engine says what they hide for the
// values typed into it, and the record pages' own code hides it (form_logic.js).
async function previewVisibility(form, body) {
  const values = {};
  for (const [key, value] of new FormData(form)) {
    if (typeof value !== "string") continue;
    if (key in values) values[key] = [].concat(values[key], value); else values[key] = value;
  }
  const res = await request("POST", `${PAGE}/design/preview/visibility`, { body: { body, values } }).catch(() => null);
  if (res?.ok) applyVisibility(form, res.data);
}
