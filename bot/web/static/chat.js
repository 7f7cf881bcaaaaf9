// Lotse web chat: talks to Rasa's REST channel format at /webhooks/rest/webhook; what a
// counsellor writes arrives through Server-Sent Events at /chat/events. The user is the
// chat session (an HttpOnly cookie the server issues), not anything this script chooses.
(function () {
  "use strict";
  const script = document.currentScript;
  const lang = script.dataset.lang;
  const counsellorLabel = script.dataset.counsellor;
  const sourcesLabel = script.dataset.sources;
  const downloadLabel = script.dataset.download;
  // 👍 / 👎 under an FAQ answer (payload /feedback{…}): their names for screen readers
  const feedbackLabels = { "1": script.dataset.helpful, "-1": script.dataset.unhelpful };
  const FEEDBACK = /^\/feedback\{"message":\d+,"value":(-?1)\}$/;
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

  function feedbackRow(buttons) {
    // 👍 / 👎: one press per answer, then both are disabled (the server stores one anyway).
    const row = document.createElement("div");
    row.className = "buttons feedback";
    for (const b of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      const label = feedbackLabels[FEEDBACK.exec(b.payload)[1]];
      if (label) { button.setAttribute("aria-label", label); button.title = label; }
      button.addEventListener("click", () => {
        for (const other of row.querySelectorAll("button")) { other.disabled = true; }
        button.setAttribute("aria-pressed", "true");
        send(b.payload, b.title);
      });
      row.appendChild(button);
    }
    return row;
  }

  function buttonRow(buttons, choices) {
    // A choice sends its payload; a page button opens its address (a link, not a form).
    const row = document.createElement("div");
    row.className = "buttons";
    for (const b of buttons) {
      if (b.payload && FEEDBACK.test(b.payload)) { continue; }  // a row of their own
      if (b.url) {
        const a = document.createElement("a");
        a.className = "link-button"; a.href = b.url; a.textContent = b.title;
        a.rel = "noopener noreferrer"; a.target = "_blank";
        row.appendChild(a);
      } else if (choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        bind(button, b.payload, b.title);
        row.appendChild(button);
      }
    }
    return row.children.length ? row : null;
  }

  function downloadRow() {
    // /mydata: the stored data of this chat session as a JSON file
    const row = document.createElement("div");
    row.className = "buttons";
    const a = document.createElement("a");
    a.className = "link-button"; a.href = "/chat/mydata"; a.textContent = downloadLabel;
    a.setAttribute("download", "");
    row.appendChild(a);
    return row;
  }

  function sourceLine(links) {
    // Named sources: "Quellen: Stadt Düsseldorf: Welcome Points (2019) · …"
    const line = document.createElement("p");
    line.className = "sources";
    line.appendChild(document.createTextNode(sourcesLabel + " "));
    links.forEach((link, i) => {
      if (i) { line.appendChild(document.createTextNode(" · ")); }
      if (link.url) {
        const a = document.createElement("a");
        a.href = link.url; a.textContent = link.label;
        a.rel = "noopener noreferrer"; a.target = "_blank";
        line.appendChild(a);
      } else {
        line.appendChild(document.createTextNode(link.label));
      }
    });
    return line;
  }

  // One reply as the server sends it (REST answer, pushed message or history): text,
  // buttons and custom {kind, links}. `choices`: whether its choice buttons still work.
  function show(r, who, choices) {
    const kind = r.custom && r.custom.kind;
    const item = document.createElement("li");
    item.className = who + (kind === "emergency" ? " emergency" : "") +
      (kind === "counsellor" ? " counsellor" : "") +
      (kind === "welcome_point" ? " card" : "");
    item.setAttribute("dir", "auto");
    if (kind === "counsellor") {
      const author = document.createElement("span");
      author.className = "author";
      author.textContent = counsellorLabel;
      item.appendChild(author);
    }
    const body = document.createElement("span");
    body.className = "text";
    appendText(body, r.text || "");
    item.appendChild(body);
    const links = r.custom && r.custom.links;
    if (links && links.length) { item.appendChild(sourceLine(links)); }
    const row = r.buttons && r.buttons.length ? buttonRow(r.buttons, choices) : null;
    if (row) { item.appendChild(row); }
    if (kind === "my_data") { item.appendChild(downloadRow()); }
    if (kind === "data_deleted") { log.replaceChildren(); }  // nothing of it is kept
    const ratings = (r.buttons || []).filter((b) => b.payload && FEEDBACK.test(b.payload));
    if (ratings.length && choices) { item.appendChild(feedbackRow(ratings)); }
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  async function send(message, shown, silent) {
    if (!silent) { show({ text: shown || message }, "user", false); }
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
      for (const r of replies) { show(r, "bot", true); }
    } catch (e) {
      errorBox.hidden = false;
    }
  }

  function listen() {
    // EventSource reconnects by itself and sends Last-Event-ID: nothing is missed.
    const events = new EventSource("/chat/events?after=" + encodeURIComponent(script.dataset.after || "0"));
    events.addEventListener("message", (event) => {
      show(JSON.parse(event.data), "bot", true);
    });
  }

  document.getElementById("privacy").addEventListener("click", () => {
    send("/privacy", document.getElementById("privacy").textContent);
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  // The conversation so far (a reload loses nothing); only the last message's choices work.
  const history = JSON.parse(document.getElementById("history").textContent || "[]");
  history.forEach((r, i) => show(r, r.who || "bot", i === history.length - 1));

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
