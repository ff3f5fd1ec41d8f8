// The merge page: confirm in a dialog before the form is sent (without script, it is sent at once).
const form = document.querySelector("form[data-merge]");
const dialog = document.getElementById("merge-dialog");
if (form && dialog && typeof dialog.showModal === "function") {
  let confirmed = false;
  form.addEventListener("submit", (event) => {
    if (confirmed) return;
    event.preventDefault();
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue !== "confirm") return;
    confirmed = true;
    form.requestSubmit();
  });
}
