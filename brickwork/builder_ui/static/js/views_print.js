// Batch print from the table view: the selected rows' records in one PDF (a page per
// record) or a zip of PDFs, opened in a new tab (the server renders them, at most 50).
const tbody = document.querySelector("tbody");

for (const button of document.querySelectorAll(".print-selected")) {
  button.addEventListener("click", () => {
    const ids = [...tbody.querySelectorAll(".row-select:checked")].map((box) => box.closest("tr").dataset.id);
    if (!ids.length) return;
    window.open(`${button.dataset.url}?ids=${ids.join(",")}`, "_blank", "noopener");
  });
}
