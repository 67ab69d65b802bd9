// Highlights each auto-QA evidence span inside its message of the thread.
// The server gives exact offsets into the stored text; the thread renders that text as
// HTML (line breaks become <br>), so the span is found again by its quote, whitespace
// collapsed, within the message it came from.
(function () {
  "use strict";
  function textNodes(root) {
    var out = [], walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) out.push(walker.currentNode);
    return out;
  }
  function highlight(body, quote) {
    var nodes = textNodes(body), flat = "", map = [];
    nodes.forEach(function (node, n) {
      for (var i = 0; i < node.data.length; i++) {
        var ch = /\s/.test(node.data[i]) ? " " : node.data[i];
        if (ch === " " && flat.slice(-1) === " ") continue;
        flat += ch; map.push([n, i]);
      }
    });
    var wanted = quote.replace(/\s+/g, " ").trim();
    var at = flat.indexOf(wanted);
    if (at < 0 || !wanted) return false;
    var a = map[at], b = map[at + wanted.length - 1];
    var range = document.createRange();
    range.setStart(nodes[a[0]], a[1]);
    range.setEnd(nodes[b[0]], b[1] + 1);
    var mark = document.createElement("mark");
    mark.className = "autoqa-mark";
    mark.appendChild(range.extractContents());
    range.insertNode(mark);
    return true;
  }
  function run() {
    document.querySelectorAll(".autoqa-evidence[data-message]").forEach(function (q) {
      var body = document.querySelector("#m" + q.dataset.message + " .msg-body");
      if (body && highlight(body, q.dataset.quote || "")) q.classList.add("autoqa-found");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
