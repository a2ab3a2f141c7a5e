// accountkit pages: small progressive enhancements. Every page works
// without this script.
(function () {
  "use strict";
  // A "Copy" button beside the TOTP secret and the SSO page's addresses.
  document.querySelectorAll("[data-copy]").forEach(function (el) {
    if (!navigator.clipboard) return;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-quiet btn-small copy";
    b.textContent = document.documentElement.lang === "de" ? "Kopieren" : "Copy";
    b.addEventListener("click", function () {
      // A readonly input (the SSO page's addresses) copies its value.
      var text = el.tagName === "INPUT" ? el.value : el.textContent.replace(/\s+/g, "");
      navigator.clipboard.writeText(text).then(function () {
        b.textContent = document.documentElement.lang === "de" ? "Kopiert" : "Copied";
      });
    });
    el.parentNode.appendChild(b);
  });
  // A submitted form cannot be sent twice by a double click.
  document.querySelectorAll("form").forEach(function (f) {
    f.addEventListener("submit", function () {
      var s = f.querySelector("button[type=submit]");
      if (s) setTimeout(function () { s.disabled = true; }, 0);
    });
  });
})();
