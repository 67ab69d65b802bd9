// Insert the team's apology paragraph into the reply being written: after the greeting
// ("Hi Ama,") when the reply starts with one, otherwise at the top.
{
const GREETING = /^\s*(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^\n]*,[ \t]*(\n|$)|^[^\n]{1,60},[ \t]*(\n|$)/i;

function withApology(body, apology) {
  if (body.includes(apology)) return body;
  const greeting = body.match(GREETING);
  if (!greeting) return apology + "\n\n" + body;
  const head = greeting[0].replace(/\s*$/, "");
  const rest = body.slice(greeting[0].length).replace(/^\s*\n/, "");
  return head + "\n\n" + apology + (rest ? "\n\n" + rest : "\n\n");
}
window.servewell = Object.assign(window.servewell || {}, { withApology });

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert-apology]");
  if (!button) return;
  const text = document.getElementById(button.dataset.insertApology);
  const form = button.closest("form") || document.querySelector("form[data-composer]");
  const box = form && form.querySelector("textarea[name=body_text]");
  if (!text || !box) return;
  box.value = withApology(box.value, text.textContent.trim());
  box.focus();
  button.textContent = "Inserted — edit as you like";
});
}
