// The to-do tab's batch approve: tick tasks, "Approve selected"; the ones refused are listed
// with their reason, the page reloads to show what is left.
import { format, problemText, send } from "./views_common.js";

const batch = document.querySelector("[data-testid=inbox-batch]");
if (batch) {
  const button = batch.querySelector("button");
  const result = batch.querySelector("[role=status]");
  const boxes = () => [...document.querySelectorAll("input[data-task]")];
  document.addEventListener("change", () => { button.disabled = !boxes().some((b) => b.checked); });
  button.addEventListener("click", async () => {
    const ids = boxes().filter((b) => b.checked).map((b) => Number(b.dataset.task));
    button.disabled = true;
    const response = await send("POST", "/api/v1/flow-tasks:batch-approve", { ids });
    if (!response.ok) { result.textContent = await problemText(response, batch.dataset.failed); return; }
    const data = await response.json();
    const lines = [format(batch.dataset.done, { n: data.approved.length })];
    for (const refused of data.refused) lines.push(`${batch.dataset.failed} #${refused.id}: ${refused.title}`);
    result.textContent = lines.join(" · ");
    if (!data.refused.length) window.location.reload();
  });
}
