// Insert the sentence about a goodwill grant into the reply being written.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert-goodwill]");
  if (!button) return;
  const box = document.querySelector("form[data-composer] textarea[name=body_text]");
  if (!box) return;
  const sentence = button.dataset.insertGoodwill.trim();
  if (!box.value.includes(sentence)) {
    box.value = box.value ? box.value.replace(/\s*$/, "") + "\n\n" + sentence : sentence;
  }
  box.focus();
  button.textContent = "Inserted — edit as you like";
});
