// "While I'm away" on /me: who gets my new approval tasks, and when (PUT /api/v1/me/delegation).
// The times are typed in the browser's zone and sent as UTC.
import { problemText, send } from "./views_common.js";

const form = document.getElementById("away-form");
if (form) {
  const done = form.querySelector("[data-testid=away-done]");
  const error = form.querySelector("[data-testid=away-error]");
  const local = (iso) => {
    const at = new Date(iso);
    return new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  };
  if (form.dataset.from) form.elements.from.value = local(form.dataset.from);
  if (form.dataset.until) form.elements.until.value = local(form.dataset.until);
  const put = async (body) => {
    done.hidden = true;
    error.hidden = true;
    const response = await send("PUT", "/api/v1/me/delegation", body);
    if (response.ok) {
      done.textContent = form.dataset.saved;
      done.hidden = false;
      if (body === null) window.location.reload();
    } else {
      error.textContent = await problemText(response, "");
      error.hidden = false;
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    put({ delegate: Number(form.elements.delegate.value),
      from: new Date(form.elements.from.value).toISOString(), until: new Date(form.elements.until.value).toISOString() });
  });
  const stop = form.querySelector("[data-stop]");
  if (stop) stop.addEventListener("click", () => put(null));
}
