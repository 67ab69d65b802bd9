// The all-hands alarm on every page, and the one live connection a page needs.
//
// Opens EventSource("/queue/stream/") for signed-in pages, shows a banner with "I'm on it"
// when an alarm asks for this person, plays a short tone and shows a browser notification
// (when allowed). Other scripts (the wallboard) listen for the DOM events it re-dispatches:
// "queue:snapshot", "queue:alarm", "queue:hello" and "queue:connection" on document.
// A page that watches something over the same connection marks it with
// data-live-watch="conversation=12" (one connection per page: a browser allows six to a
// server); what is pushed for it arrives as "queue:live" ({topic, event, ...}).
(() => {
  if (window.servewellQueue) return; // included twice (page and base template)
  const script = document.currentScript;
  // The served name may carry a content hash (alarm.1a2b3c4d5e6f.js).
  const staticBase = script
    ? script.src.replace(/alarm(\.[0-9a-f]{12})?\.js(\?.*)?$/, "")
    : "/static/livequeue/";
  const state = { alarms: new Map(), source: null, retry: 1000, audio: null, me: null };
  window.servewellQueue = state;

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall through to the cookie */ }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function ensureStyles() {
    if (document.querySelector("link[data-queue-css]")) return;
    const linked = /livequeue\/queue(\.[0-9a-f]{12})?\.css$/;
    if ([...document.styleSheets].some((s) => s.href && linked.test(s.href))) return;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = staticBase + "queue.css";
    link.dataset.queueCss = "1";
    document.head.appendChild(link);
  }

  function mark(status) {
    // Visible to styles and to tests: <html data-queue-stream="live|reconnecting">.
    document.documentElement.dataset.queueStream = status;
  }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail }));
  }

  // --- Sound and notification -------------------------------------------------------------
  function unlockAudio() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx || state.audio) return;
    try { state.audio = new Ctx(); } catch (e) { state.audio = null; }
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  function beep() {
    unlockAudio();
    const ctx = state.audio;
    if (!ctx) return;
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    const start = ctx.currentTime;
    [0, 0.25, 0.5].forEach((offset, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = i === 1 ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.22);
    });
  }

  function notify(alarm) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      const n = new Notification(`All hands: ${alarm.team_name}`, {
        body: `${alarm.rule}. ${alarm.peak_waiting} waiting. Can you take calls?`,
        tag: `servewell-alarm-${alarm.id}`,
        requireInteraction: true,
      });
      n.onclick = () => { window.focus(); n.close(); };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }

  // --- Banner ---------------------------------------------------------------------------------
  function banner() {
    let el = document.getElementById("sw-alarm-banner");
    if (el) return el;
    ensureStyles();
    el = document.createElement("section");
    el.id = "sw-alarm-banner";
    el.className = "sw-alarm-banner";
    el.setAttribute("role", "alert");
    el.setAttribute("aria-label", "All-hands alarm");
    el.hidden = true;
    document.body.insertBefore(el, document.body.firstChild);
    return el;
  }

  function render() {
    const el = banner();
    const asked = [...state.alarms.values()].filter((a) => a.asked && a.state === "open");
    el.replaceChildren();
    el.hidden = asked.length === 0;
    asked.forEach((alarm) => el.appendChild(alarmRow(alarm)));
  }

  function alarmRow(alarm) {
    const row = document.createElement("div");
    row.className = "sw-alarm-row";
    row.dataset.alarm = alarm.id;
    const text = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = `All hands — ${alarm.team_name}: `;
    text.append(strong, `${alarm.rule}. Peak ${alarm.peak_waiting} waiting.`);
    const who = alarm.responders || [];
    if (who.length) {
      const on = document.createElement("span");
      on.className = "sw-alarm-who";
      on.textContent = " On it: " + who.map((r) => `${r.name} (${r.role})`).join(", ") + ".";
      text.appendChild(on);
    }
    row.appendChild(text);
    const mine = state.me !== null && who.some((r) => r.user === state.me);
    if (mine) {
      const done = document.createElement("span");
      done.className = "sw-alarm-thanks";
      done.textContent = "You're on it — thank you.";
      row.appendChild(done);
    } else {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sw-alarm-button";
      button.textContent = "I'm on it";
      button.addEventListener("click", () => respond(alarm, button));
      row.appendChild(button);
    }
    if ("Notification" in window && Notification.permission === "default") {
      const allow = document.createElement("button");
      allow.type = "button";
      allow.className = "secondary sw-alarm-allow";
      allow.textContent = "Allow desktop alerts";
      allow.addEventListener("click", () => Notification.requestPermission().then(render));
      row.appendChild(allow);
    }
    return row;
  }

  async function respond(alarm, button) {
    button.disabled = true;
    button.textContent = "Sending…";
    try {
      const response = await fetch(`/api/queue/alarms/${alarm.id}/respond/`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.detail || `HTTP ${response.status}`);
      const known = state.alarms.get(alarm.id) || alarm;
      known.responders = (body.responses || []).map((r) => ({
        user: r.user, name: r.name, role: r.role, at: r.at,
      }));
      state.alarms.set(alarm.id, known);
      const select = document.getElementById("presence-select");
      if (select) {
        select.value = "available";
        select.className = "presence presence-available";
      }
      render();
    } catch (err) {
      button.disabled = false;
      button.textContent = "I'm on it (try again)";
      button.title = String(err.message || err);
    }
  }

  // --- The stream ------------------------------------------------------------------------------
  function onAlarm(data) {
    const previous = state.alarms.get(data.id);
    if (data.event === "cleared" || data.state === "cleared") {
      state.alarms.delete(data.id);
    } else {
      state.alarms.set(data.id, { ...(previous || {}), ...data });
      if (!previous && data.asked && data.event === "raised") {
        beep();
        notify(data);
      }
    }
    render();
    emit("queue:alarm", data);
  }

  function connect() {
    const params = new URLSearchParams();
    if (document.querySelector("[data-wallboard]")) params.set("wallboard", "1");
    document.querySelectorAll("[data-live-watch]").forEach((el) => {
      const [name, value] = el.dataset.liveWatch.split("=");
      if (name && value) params.set(name, value);
    });
    const query = params.toString();
    const source = new EventSource(`/queue/stream/${query ? `?${query}` : ""}`);
    state.source = source;
    source.addEventListener("open", () => {
      state.retry = 1000;
      emit("queue:connection", { connected: true });
    });
    source.addEventListener("hello", (e) => {
      const data = JSON.parse(e.data);
      state.me = data.user;
      state.alarms.clear(); // the stream re-sends every open alarm after this
      render();
      mark("live");
      emit("queue:hello", data);
    });
    source.addEventListener("alarm", (e) => onAlarm(JSON.parse(e.data)));
    source.addEventListener("snapshot", (e) => emit("queue:snapshot", JSON.parse(e.data)));
    source.addEventListener("live", (e) => emit("queue:live", JSON.parse(e.data)));
    source.addEventListener("error", () => {
      mark("reconnecting");
      emit("queue:connection", { connected: false });
      // EventSource retries by itself after a dropped connection; after a refused one
      // (a 502 during a restart) it gives up, so we start over with a backoff.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, state.retry);
        state.retry = Math.min(state.retry * 2, 30000);
      }
    });
  }

  function start() {
    // Only signed-in pages carry the top bar; the sign-in page has no stream to open.
    if (!document.querySelector(".topbar") && !document.querySelector("[data-wallboard]")) return;
    banner();
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
