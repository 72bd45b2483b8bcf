// Progressive enhancement for the subscribe form (partials/subscribe.html).
// Without this script the form posts normally and the server redirects to
// /subscribe/thanks/. With it, the request is sent in the background and the
// result is announced in the form's aria-live status element.
(function () {
  "use strict";

  var TIMEOUT_MS = 15000;

  // English, for a form without data-msg-* attributes (a single-language site); a
  // multilingual site's form carries its page's language's words in them.
  var MESSAGES = {
    sending: "Sending…",
    success: "Check your inbox to confirm your subscription.",
    invalid: "That email address doesn’t look right. Please check it and try again.",
    tooMany: "Too many attempts. Please wait a minute and try again.",
    client: "We couldn’t accept that request. Please check the address and try again.",
    server: "Something went wrong on our side. Please try again later.",
    network: "Couldn’t reach the server. Check your connection and try again.",
  };

  function setStatus(el, text, kind) {
    if (!el) return;
    el.classList.remove("is-success", "is-error");
    if (kind) el.classList.add("is-" + kind);
    el.textContent = text;
  }

  // The form's own words: data-msg-too-many becomes dataset.msgTooMany, and so on.
  function messagesOf(form) {
    var own = {};
    var data = form.dataset || {};
    for (var key in MESSAGES) {
      var name = "msg" + key.charAt(0).toUpperCase() + key.slice(1);
      own[key] = data[name] || MESSAGES[key];
    }
    return own;
  }

  function messageFor(messages, status) {
    if (status === 400 || status === 422) return messages.invalid;
    if (status === 429) return messages.tooMany;
    if (status >= 400 && status < 500) return messages.client;
    return messages.server;
  }

  function enhance(form) {
    var MESSAGES = messagesOf(form);
    var langInput = form.elements.namedItem("lang");
    var button = form.querySelector("button[type=submit], button:not([type])");
    var status = form.querySelector(".subscribe-status");
    var emailInput = form.elements.namedItem("email");
    var honeypot = form.elements.namedItem("website");
    var sending = false;

    function payload(email) {
      var body = { email: email, website: honeypot ? honeypot.value : "" };
      if (langInput && langInput.value) body.lang = langInput.value;
      return body;
    }

    form.addEventListener("submit", function (event) {
      // Old browsers without fetch keep the plain form post.
      if (typeof window.fetch !== "function") return;
      event.preventDefault();
      if (sending) return;

      var email = emailInput ? emailInput.value.trim() : "";
      if (!email) {
        setStatus(status, MESSAGES.invalid, "error");
        if (emailInput) emailInput.focus();
        return;
      }

      sending = true;
      if (button) button.disabled = true;
      form.setAttribute("aria-busy", "true");
      setStatus(status, MESSAGES.sending, null);

      var controller = typeof AbortController === "function" ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;

      fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(payload(email)),
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          if (response.status === 202 || response.ok) {
            setStatus(status, MESSAGES.success, "success");
            form.reset();
          } else {
            setStatus(status, messageFor(MESSAGES, response.status), "error");
            if (emailInput && response.status < 500) emailInput.focus();
          }
        })
        .catch(function () {
          setStatus(status, MESSAGES.network, "error");
        })
        .then(function () {
          if (timer) clearTimeout(timer);
          sending = false;
          if (button) button.disabled = false;
          form.removeAttribute("aria-busy");
        });
    });
  }

  function init() {
    var forms = document.querySelectorAll("form.subscribe");
    for (var i = 0; i < forms.length; i++) enhance(forms[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
