// Lotse web chat: talks to Rasa's REST channel format at /webhooks/rest/webhook; what a
// counsellor writes arrives through Server-Sent Events at /chat/events. The user is the
// chat session (an HttpOnly cookie the server issues), not anything this script chooses.
(function () {
  "use strict";
  const script = document.currentScript;
  const lang = script.dataset.lang;
  const counsellorLabel = script.dataset.counsellor;
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const errorBox = document.getElementById("error");

  function appendText(node, text) {
    // Links become <a>; everything else stays text (never innerHTML).
    const parts = text.split(/(https?:\/\/[^\s]+)/g);
    for (const part of parts) {
      if (/^https?:\/\//.test(part)) {
        const a = document.createElement("a");
        a.href = part; a.textContent = part; a.rel = "noopener"; a.target = "_blank";
        a.dir = "ltr";  // an address stays left-to-right inside Arabic text
        node.appendChild(a);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    }
  }

  function bind(button, payload, title) {
    button.addEventListener("click", () => send(payload, title));
  }

  function show(text, who, kind, buttons) {
    const item = document.createElement("li");
    item.className = who + (kind === "emergency" ? " emergency" : "") +
      (kind === "counsellor" ? " counsellor" : "");
    item.setAttribute("dir", "auto");
    if (kind === "counsellor") {
      const author = document.createElement("span");
      author.className = "author";
      author.textContent = counsellorLabel;
      item.appendChild(author);
    }
    const body = document.createElement("span");
    body.className = "text";
    appendText(body, text);
    item.appendChild(body);
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const b of buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        bind(button, b.payload, b.title);
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  async function send(message, shown, silent) {
    if (!silent) { show(shown || message, "user"); }
    errorBox.hidden = true;
    try {
      const response = await fetch("/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ message, metadata: { language: lang } }),
      });
      const replies = await response.json();
      if (!response.ok) { throw new Error(replies.error || response.status); }
      for (const r of replies) { show(r.text, "bot", r.custom && r.custom.kind, r.buttons); }
    } catch (e) {
      errorBox.hidden = false;
    }
  }

  function listen() {
    // EventSource reconnects by itself and sends Last-Event-ID: nothing is missed.
    const events = new EventSource("/chat/events?after=" + encodeURIComponent(script.dataset.after || "0"));
    events.addEventListener("message", (event) => {
      const r = JSON.parse(event.data);
      show(r.text, "bot", r.custom && r.custom.kind, r.buttons);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  for (const text of log.querySelectorAll("li .text")) {  // the history: links as above
    const value = text.textContent;
    text.textContent = "";
    appendText(text, value);
  }

  for (const button of log.querySelectorAll("button[data-payload]")) {
    bind(button, button.dataset.payload, button.textContent);
  }

  for (const link of document.querySelectorAll(".languages a")) {
    link.addEventListener("click", () => {
      // An explicit choice: tell the bot before the page reloads in that language.
      navigator.sendBeacon && navigator.sendBeacon("/webhooks/rest/webhook", new Blob(
        [JSON.stringify({ message: '/change_language{"language":"' + link.dataset.lang + '"}' })],
        { type: "application/json" }));
    });
  }

  if (!log.children.length) {
    send("/start", "", true).then(listen);  // first visit: welcome, privacy, language, city
  } else {
    listen();
  }
})();
