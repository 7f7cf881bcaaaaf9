/* Lotse console, Publish page: re-read the running publish's fragment (progress and log)
   every 3 s while one runs, every 15 s otherwise; when it ends, reload the page once so the
   live model and the history show the result. No inline script (CSP). */
"use strict";

(function () {
  const box = document.getElementById("publish-running");
  if (!box) { return; }
  let running = box.dataset.running === "true";

  function look() {
    fetch(box.dataset.fragment, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) { window.location.href = "/console/login"; throw new Error("logged out"); }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        const template = document.createElement("template");
        template.innerHTML = html;
        const done = template.content.querySelector("[data-done]");
        const finished = done && done.dataset.done === "true";
        if (running && finished) { window.location.reload(); return; }
        if (!running && !finished) { window.location.reload(); return; }  /* someone started one */
        box.replaceChildren(template.content);
        const log = box.querySelector(".publish-log");
        if (log) { log.scrollTop = log.scrollHeight; }
        setTimeout(look, running ? 3000 : 15000);
      })
      .catch(function () { setTimeout(look, 5000); });
  }
  setTimeout(look, running ? 3000 : 15000);
})();
