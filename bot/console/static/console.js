/* Lotse console: live updates over Server-Sent Events, canned replies. No framework.
   The server renders every fragment; this file only fetches and places them. */
"use strict";

(function () {
  const body = document.body;

  function fetchFragment(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.href = "/console/login";
          throw new Error("logged out");
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        const template = document.createElement("template");
        template.innerHTML = html;
        return template.content;
      });
  }

  function debounce(fn, ms) {
    let timer = null;
    return function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { timer = null; fn(); }, ms);
    };
  }

  /* Queue: re-read counts, rows and who is online; the tab shows the waiting count. */
  function liveQueue() {
    const live = document.getElementById("live");
    if (!live) { return null; }
    const refresh = debounce(function () {
      fetchFragment(live.dataset.fragment).then(function (fragment) {
        const queue = fragment.querySelector(".queue");
        live.replaceChildren(fragment);
        if (queue && queue.dataset.title) { document.title = queue.dataset.title; }
      }).catch(function () { /* the next event tries again */ });
    }, 250);
    setInterval(refresh, 60000);  /* "waiting since" keeps counting without events */
    return refresh;
  }

  /* Conversation: append what is new to the transcript, re-read the status panel. */
  function liveConversation() {
    const transcript = document.getElementById("transcript");
    const panel = document.getElementById("panel");
    const id = body.dataset.conversation;
    if (!transcript || !panel) { return null; }
    function refresh() {
      const url = transcript.dataset.fragment + "?after=" + transcript.dataset.after +
        "&after_transition=" + transcript.dataset.afterTransition;
      const nearEnd = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
      fetchFragment(url).then(function (fragment) {
        fragment.querySelectorAll("li[data-id]").forEach(function (item) {
          const selector = 'li[data-kind="' + item.dataset.kind + '"][data-id="' + item.dataset.id + '"]';
          if (transcript.querySelector(selector)) { item.remove(); return; }  /* already shown */
          const key = item.dataset.kind === "transition" ? "afterTransition" : "after";
          const id = Number(item.dataset.id);
          if (id > Number(transcript.dataset[key])) { transcript.dataset[key] = String(id); }
        });
        transcript.appendChild(fragment);
        if (nearEnd) { window.scrollTo(0, document.body.scrollHeight); }
      }).catch(function () {});
      fetchFragment(panel.dataset.fragment).then(function (fragment) {
        panel.replaceChildren(fragment);
        const state = panel.querySelector("[data-can-reply]");
        const reply = document.getElementById("reply-form");
        if (reply && state) { reply.hidden = state.dataset.canReply !== "true"; }
      }).catch(function () {});
    }
    const later = debounce(refresh, 150);
    return function (event) {
      if (!event || event.kind !== "conversation" || String(event.id) !== id) { return; }
      if (event.status === "deleted") { window.location.reload(); return; }  /* by the user */
      later();
    };
  }

  function listen(onEvent) {
    if (!window.EventSource) { return; }
    const source = new EventSource("/console/events");
    source.onmessage = function (message) {
      let event = null;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      onEvent(event);
    };
  }

  /* Canned replies fill the reply box (in the user's language). */
  function cannedReplies() {
    const select = document.getElementById("canned");
    if (!select) { return; }
    select.closest(".canned").hidden = false;
    select.addEventListener("change", function () {
      const box = document.getElementById(select.dataset.fills);
      if (box && select.value) {
        box.value = select.value;
        box.focus();
      }
      select.value = "";
    });
  }

  cannedReplies();
  const kind = body.dataset.live;
  const handler = kind === "queue" ? liveQueue() : kind === "conversation" ? liveConversation() : null;
  if (handler) { listen(handler); }
})();
