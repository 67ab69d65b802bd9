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

// Presence on a conversation page: who else is here, and is this copy stale? Pushed over
// the page's live stream (alarm.js, "queue:live") while it is open; when it is not (a
// reconnect, a server that cannot stream) the page asks every 5 s instead. Either way the
// answer is the server's own fragment, asked for with the box's hx-post ("desk:refresh").
(() => {
  const box = () => document.getElementById("presence");
  const topic = () => {
    const el = box();
    return el && el.dataset.liveWatch ? el.dataset.liveWatch.replace("=", ":") : null;
  };
  const pageVersion = () => {
    const el = document.getElementById("conv-version");
    return el ? Number(el.value) : 0;
  };
  let watched = false;
  let latest = 0; // the newest version the stream announced
  let shown = null; // the others the box shows, as a key; null: unknown
  const refresh = () => {
    const el = box();
    if (el && window.htmx) window.htmx.trigger(el, "desk:refresh");
  };
  // A version pushed for this page's own action lands before (or just after) the answer
  // that updates the page: look once the page has settled, not at once; and ask only
  // when the box says otherwise (stale and not shown, or shown and no longer stale).
  let pending = null;
  const checkVersion = () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      const el = box();
      if (!el) return;
      const stale = latest > pageVersion();
      if (stale !== Boolean(el.querySelector(".stale"))) refresh();
    }, 400);
  };
  document.addEventListener("DOMContentLoaded", () => {
    const el = box();
    if (el) shown = el.querySelector(".viewer") ? null : "[]";
  });
  document.addEventListener("queue:hello", (event) => {
    watched = (event.detail.watching || []).includes(topic());
  });
  document.addEventListener("queue:connection", (event) => {
    if (!event.detail.connected) watched = false;
  });
  document.addEventListener("queue:live", (event) => {
    const data = event.detail;
    if (!topic() || data.topic !== topic()) return;
    if (data.event === "version") {
      latest = Math.max(latest, data.version);
      checkVersion();
    } else if (data.event === "viewers") {
      const me = window.servewellQueue ? window.servewellQueue.me : null;
      const others = (data.viewers || []).filter((v) => v.user !== me);
      const key = JSON.stringify(others.map((v) => [v.user, v.state]).sort());
      if (key !== shown) {
        shown = key;
        refresh();
      }
    }
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    if (latest && event.target !== box()) checkVersion();
  });
  setInterval(() => {
    if (!watched && box()) refresh();
  }, 5000);
})();

// Inbox bulk bar: pick rows (or all on the page) and say how many are picked.
(() => {
  const picks = () => Array.from(document.querySelectorAll("[data-bulk-pick]"));
  const count = () => {
    const label = document.querySelector("[data-bulk-count]");
    if (!label) return;
    const chosen = picks().filter((box) => box.checked).length;
    label.textContent = chosen
      ? `${chosen} selected.`
      : "Select conversations to change several at once.";
    const all = document.querySelector("[data-bulk-all]");
    if (all) all.checked = chosen > 0 && chosen === picks().length;
  };
  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!target.matches) return;
    if (target.matches("[data-bulk-all]")) {
      picks().forEach((box) => {
        box.checked = target.checked;
      });
    }
    if (target.matches("[data-bulk-all], [data-bulk-pick]")) count();
  });
  document.addEventListener("htmx:afterSettle", count);
})();

// Composer: CC, BCC and the signature belong to replies; @mentions to notes, with an
// autocomplete of the people who can see the conversation.
(() => {
  const kindOf = (form) => {
    const checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : "reply";
  };
  const showKind = () => {
    document.querySelectorAll("[data-composer]").forEach((form) => {
      const kind = kindOf(form);
      form.querySelectorAll("[data-reply-only]").forEach((el) => {
        el.hidden = kind !== "reply";
      });
    });
  };
  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches('[data-composer] input[name="kind"]')) showKind();
  });
  document.addEventListener("DOMContentLoaded", showKind);
  document.addEventListener("htmx:afterSettle", showKind);

  let pending = null;
  const list = () => document.getElementById("mention-list");
  const close = () => {
    const box = list();
    if (box) {
      box.hidden = true;
      box.replaceChildren();
    }
  };
  const wordAtCaret = (text) => {
    const before = text.value.slice(0, text.selectionStart);
    const match = /(^|\s)@([\w.+-]*)$/.exec(before);
    return match ? match[2] : null;
  };
  const insert = (text, username) => {
    const start = text.selectionStart;
    const before = text.value.slice(0, start).replace(/@[\w.+-]*$/, `@${username} `);
    text.value = before + text.value.slice(start);
    text.focus();
    text.setSelectionRange(before.length, before.length);
    close();
  };
  document.addEventListener("input", (event) => {
    const text = event.target;
    if (!text.matches || !text.matches("[data-composer-text]")) return;
    const form = text.closest("[data-composer]");
    const box = list();
    const query = wordAtCaret(text);
    if (!form || !box || kindOf(form) !== "note" || query === null) {
      close();
      return;
    }
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(`${form.dataset.mentionUrl}?q=${encodeURIComponent(query)}`, {
      signal: pending.signal,
      headers: { Accept: "application/json" },
    })
      .then((response) => (response.ok ? response.json() : { results: [] }))
      .then((data) => {
        box.replaceChildren();
        data.results.forEach((person) => {
          const item = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.className = "link";
          button.textContent = `${person.name} (@${person.username})`;
          button.addEventListener("click", () => insert(text, person.username));
          item.appendChild(button);
          box.appendChild(item);
        });
        box.hidden = data.results.length === 0;
      })
      .catch(() => {});
  });
})();
