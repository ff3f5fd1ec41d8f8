// A rule's button on the record page: asks to confirm, runs the rule now (as the person who
// pressed it), says how it went and shows the record as the rule left it.
const status = document.querySelector("[data-testid=rule-button-status]");
const token = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
for (const button of document.querySelectorAll("[data-rule-button]")) {
  button.addEventListener("click", async () => {
    if (!window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    const res = await fetch(button.dataset.ruleButton, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": token(), Accept: "application/json" },
    }).catch(() => null);
    const data = res ? await res.json().catch(() => ({})) : {};
    button.disabled = false;
    if (res?.ok && data.status === "succeeded") {
      window.location.reload();
      return;
    }
    status.textContent = `${status.dataset.failed} ${data.error || data.title || ""}`.trim();
  });
}
