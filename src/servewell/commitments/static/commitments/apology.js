// Insert the team's apology paragraph at the top of the reply being written.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert-apology]");
  if (!button) return;
  const text = document.getElementById(button.dataset.insertApology);
  const form = button.closest("form") || document.querySelector("form[data-composer]");
  const box = form && form.querySelector("textarea[name=body_text]");
  if (!text || !box) return;
  const apology = text.textContent.trim();
  if (!box.value.includes(apology)) {
    box.value = apology + "\n\n" + box.value;
  }
  box.focus();
  button.textContent = "Inserted — edit as you like";
});
