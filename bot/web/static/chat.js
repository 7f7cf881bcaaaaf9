// Lotse web chat: talks to Rasa's REST channel format at /webhooks/rest/webhook.
(function () {
  "use strict";
  const script = document.currentScript;
  const lang = script.dataset.lang;
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const errorBox = document.getElementById("error");
  const key = "lotse-sender";
  let sender = localStorage.getItem(key);
  if (!sender) {
    sender = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
    localStorage.setItem(key, sender);
  }

  function appendText(node, text) {
    // Links become <a>; everything else stays text (never innerHTML).
    const parts = text.split(/(https?:\/\/[^\s]+)/g);
    for (const part of parts) {
      if (/^https?:\/\//.test(part)) {
        const a = document.createElement("a");
        a.href = part; a.textContent = part; a.rel = "noopener"; a.target = "_blank";
        node.appendChild(a);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    }
  }

  function show(text, who, kind, buttons) {
    const item = document.createElement("li");
    item.className = who + (kind === "emergency" ? " emergency" : "");
    item.setAttribute("dir", "auto");
    appendText(item, text);
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const b of buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", () => send(b.payload, b.title));
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  async function send(message, shown) {
    show(shown || message, "user");
    errorBox.hidden = true;
    try {
      const response = await fetch("/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, message, metadata: { language: lang } }),
      });
      const replies = await response.json();
      if (!response.ok) { throw new Error(replies.error || response.status); }
      for (const r of replies) { show(r.text, "bot", r.custom && r.custom.kind, r.buttons); }
    } catch (e) {
      errorBox.hidden = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  for (const link of document.querySelectorAll(".languages a")) {
    link.addEventListener("click", () => {
      // An explicit choice: tell the bot before the page reloads in that language.
      navigator.sendBeacon && navigator.sendBeacon("/webhooks/rest/webhook", new Blob(
        [JSON.stringify({ sender, message: '/change_language{"language":"' + link.dataset.lang + '"}' })],
        { type: "application/json" }));
    });
  }
})();
