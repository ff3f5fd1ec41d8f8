// Two-factor sign-in on /me (enrol, recovery codes, turn off) and an administrator's reset on
// a person's page. Everything goes through /api/v1/me/2fa and /api/v1/users/{id}/2fa; text
// from the server is only ever set as textContent, the QR code only as an <img> source.
import { problemText, send } from "/static/js/views_common.js";

const failed = document.documentElement.lang === "zh-CN" ? "操作未成功。" : "That did not work.";

function message(text) {
  const box = document.getElementById("org-message");
  box.textContent = text || "";
  box.hidden = !text;
  if (text) box.scrollIntoView({ block: "nearest" });
}

async function call(method, url, body) {
  const response = await send(method, url, body);
  if (!response.ok) throw new Error(await problemText(response, failed));
  return response.status === 204 ? null : response.json();
}

function showRecoveryCodes(codes) {
  const box = document.getElementById("recovery-codes");
  const list = box.querySelector("ol");
  list.replaceChildren(...codes.map((code) => {
    const item = document.createElement("li");
    const text = document.createElement("code");
    text.textContent = code;
    item.append(text);
    return item;
  }));
  for (const id of ["two-factor-enrol", "two-factor-renew", "two-factor-disable"]) {
    const part = document.getElementById(id);
    if (part) part.hidden = true;
  }
  box.hidden = false;
}

const forms = {
  "two-factor-confirm": async (form) => {
    const made = await call("POST", "/api/v1/me/2fa/confirm", { code: form.elements.code.value });
    showRecoveryCodes(made.recovery_codes);
  },
  "two-factor-renew": async (form) => {
    const made = await call("POST", "/api/v1/me/2fa/recovery-codes", { code: form.elements.code.value });
    showRecoveryCodes(made.recovery_codes);
  },
  "two-factor-disable": async (form) => {
    const proof = form.elements.proof.value;
    await call("POST", "/api/v1/me/2fa/disable", { code: proof, password: proof });
    location.reload();
  },
};

document.addEventListener("submit", async (event) => {
  const run = forms[event.target.id];
  if (!run) return;
  event.preventDefault();
  try {
    message("");
    await run(event.target);
  } catch (error) {
    message(error.message);
  }
});

document.addEventListener("click", async (event) => {
  const begin = event.target.closest("#two-factor-begin");
  const reset = event.target.closest("[data-reset-2fa]");
  try {
    if (begin) {
      const enrolment = await call("POST", "/api/v1/me/2fa");
      if (enrolment.qr.startsWith("data:image/svg+xml")) document.getElementById("two-factor-qr").src = enrolment.qr;
      document.getElementById("two-factor-secret").textContent = enrolment.secret;
      document.getElementById("two-factor-enrol").hidden = false;
      begin.hidden = true;
      document.getElementById("confirm-code").focus();
    } else if (reset && window.confirm(reset.dataset.confirm)) {
      await call("DELETE", reset.dataset.reset2fa);
      location.reload();
    }
  } catch (error) {
    message(error.message);
  }
});
