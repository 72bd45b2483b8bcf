// myblog serve: live reload. Injected into HTML pages by `myblog serve` only (never by build).
// Messages on /__myblog/events (Server-Sent Events), JSON:
//   {"type":"reload","paths":[output paths]}  reload if this page's output is among them
//   {"type":"css","paths":[new stylesheet URLs]}  swap <link rel=stylesheet> in place
//   {"type":"error","message":"..."}  show the overlay;  {"type":"ok"}  hide it
(function () {
  "use strict";
  var me = document.currentScript;
  var output = me ? me.getAttribute("data-output") : null;
  var overlay = null;
  var reloading = false;

  function unhash(url) {
    // css/site.0123456789.css -> css/site.css (the name before hashing), query dropped.
    var path = url.split("?")[0].split("#")[0];
    path = path.replace(/^[a-z]+:\/\/[^/]+/i, "");
    return path.replace(/\.[0-9a-f]{10}(\.[^./]+)$/, "$1");
  }

  function showError(message) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "myblog-error-overlay";
      overlay.setAttribute("role", "alert");
      var s = overlay.style;
      s.position = "fixed"; s.inset = "0"; s.zIndex = "2147483647"; s.overflow = "auto";
      s.background = "rgba(20,20,24,0.94)"; s.color = "#ffd7d7"; s.padding = "2rem";
      s.font = "14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
      var title = document.createElement("div");
      title.textContent = "myblog: the last change could not be built (the page shows the last good version)";
      title.style.color = "#ff8080"; title.style.fontWeight = "bold"; title.style.marginBottom = "1rem";
      var pre = document.createElement("pre");
      pre.id = "myblog-error-message";
      pre.style.whiteSpace = "pre-wrap"; pre.style.margin = "0";
      overlay.appendChild(title);
      overlay.appendChild(pre);
      (document.body || document.documentElement).appendChild(overlay);
    }
    overlay.querySelector("pre").textContent = message;
  }

  function clearError() {
    if (overlay) { overlay.remove(); overlay = null; }
  }

  function swapCss(paths) {
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var key = unhash(links[i].getAttribute("href") || "");
      for (var j = 0; j < paths.length; j++) {
        if (unhash(paths[j]) === key) { links[i].setAttribute("href", paths[j]); }
      }
    }
  }

  function connect() {
    var es = new EventSource("/__myblog/events");
    es.onmessage = function (e) {
      var m;
      try { m = JSON.parse(e.data); } catch (_) { return; }
      // The server greets every new connection with the build status: from now on no
      // change can be missed (tests wait for this flag before editing files).
      window.__myblogConnected = true;
      if (m.type === "error") { showError(m.message); }
      else if (m.type === "ok") { clearError(); }
      else if (m.type === "css") { clearError(); swapCss(m.paths || []); }
      else if (m.type === "reload") {
        clearError();
        if (!reloading && output && (m.paths || []).indexOf(output) >= 0) {
          reloading = true;
          es.close();
          location.reload();
        }
      }
    };
    es.onerror = function () {
      // The server restarted or went away: EventSource retries by itself.
    };
  }
  connect();
})();
