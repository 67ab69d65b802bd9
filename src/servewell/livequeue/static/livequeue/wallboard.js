// The wallboard: applies snapshots from the stream (see alarm.js) and ticks the longest
// wait every second on the client, corrected for the server's clock.
(() => {
  const board = document.querySelector("[data-wallboard]");
  if (!board) return;
  const status = document.getElementById("wb-connection");
  let offsetMs = 0; // server clock minus ours

  function mmss(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const total = Math.max(0, Math.round(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }
  const pct = (ratio) => (ratio === null || ratio === undefined ? "–" : `${Math.round(ratio * 100)} %`);

  function card(team) {
    return board.querySelector(`[data-team="${team}"]`);
  }

  function set(el, field, text) {
    const target = el.querySelector(`[data-field="${field}"]`);
    if (target && target.textContent !== String(text)) target.textContent = text;
  }

  function applySnapshot(s) {
    const el = card(s.team);
    if (!el) return;
    offsetMs = Date.parse(s.server_time) - Date.now();
    el.dataset.oldest = s.oldest_joined_at || "";
    set(el, "waiting", s.waiting);
    set(el, "sl", pct(s.service_level_today));
    set(el, "asa", mmss(s.asa_s));
    set(el, "abandon", pct(s.abandonment_rate));
    set(el, "available", s.available);
    applyAlarms(el, s.alarms || []);
    tick();
  }

  const teamAlarms = new Map(); // team id -> Map(alarm id -> rule text)

  function applyAlarms(el, alarms) {
    teamAlarms.set(el.dataset.team, new Map(alarms.map((a) => [a.id, a.rule])));
    renderAlarms(el);
  }

  function renderAlarms(el) {
    const open = teamAlarms.get(el.dataset.team) || new Map();
    el.classList.toggle("wb-alarming", open.size > 0);
    set(el, "alarm", open.size ? "All hands" : "");
    set(el, "alarm-text", [...open.values()].join("; "));
  }

  function onAlarm(a) {
    const el = card(a.team);
    if (!el) return;
    const open = teamAlarms.get(el.dataset.team) || new Map();
    if (a.event === "cleared") open.delete(a.id);
    else open.set(a.id, a.rule);
    teamAlarms.set(el.dataset.team, open);
    renderAlarms(el);
  }

  function tick() {
    const now = Date.now() + offsetMs;
    board.querySelectorAll("[data-team]").forEach((el) => {
      const oldest = el.dataset.oldest ? Date.parse(el.dataset.oldest) : null;
      set(el, "longest", oldest ? mmss((now - oldest) / 1000) : mmss(0));
    });
  }

  document.addEventListener("queue:snapshot", (e) => applySnapshot(e.detail));
  document.addEventListener("queue:alarm", (e) => onAlarm(e.detail));
  document.addEventListener("queue:hello", (e) => {
    offsetMs = Date.parse(e.detail.server_time) - Date.now();
  });
  document.addEventListener("queue:connection", (e) => {
    if (!status) return;
    status.textContent = e.detail.connected ? "Live" : "Reconnecting…";
    status.classList.toggle("status-delivered", e.detail.connected);
    status.classList.toggle("status-retrying", !e.detail.connected);
  });
  const first = board.querySelector("[data-server-time]");
  if (first) offsetMs = Date.parse(first.dataset.serverTime) - Date.now();
  setInterval(tick, 1000);
})();
