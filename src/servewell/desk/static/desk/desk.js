// Desk: progressive enhancement of the inbox and the conversation page (CSP: no inline JS).
(() => {
  // Refusals (400, 409 stale version, 429) carry the fresh state and the reason: show them.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Every form on the conversation page carries the version the page now shows.
  const syncVersion = () => {
    const current = document.getElementById("conv-version");
    if (!current) return;
    document.querySelectorAll('.conv-layout input[name="expected_version"]').forEach((input) => {
      input.value = current.value;
    });
  };
  document.addEventListener("htmx:afterSettle", syncVersion);

  // Presence: "replying" while the composer has the focus or holds a draft.
  let lastState = "viewing";
  const updateState = () => {
    const field = document.getElementById("presence-state");
    const text = document.querySelector("[data-composer-text]");
    if (!field) return;
    const writing = text && (document.activeElement === text || text.value.trim() !== "");
    const state = writing ? "replying" : "viewing";
    field.value = state;
    if (state !== lastState) {
      lastState = state;
      document.body.dispatchEvent(new CustomEvent("desk:state"));
    }
  };
  document.addEventListener("focusin", updateState);
  document.addEventListener("focusout", () => setTimeout(updateState, 0));
  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("[data-composer-text]")) updateState();
  });
  document.addEventListener("htmx:afterSettle", updateState);
})();
