/* The navbar countdown to the automatic logout of an idle session (auth.enforce_idle_timeout).
   The server decides; this only shows the time left, lets the user extend it ("연장" calls
   GET /session/ping) and, when it runs out, asks /session/status first (another tab may have
   been used meanwhile) before posting the logout form. Plain JavaScript, no libraries. */
(function () {
  "use strict";
  var T = window.ieumT || function (text) { return text; };  // ieum-i18n.js

  var box = document.getElementById("ieum-idle");
  if (!box) return;
  var clock = box.querySelector("[data-idle-clock]");
  var extend = box.querySelector("[data-idle-extend]");
  var logoutForm = document.querySelector("form[data-idle-logout]");
  var full = parseInt(box.getAttribute("data-idle-seconds") || "0", 10);
  if (!clock || !(full > 0)) return;
  var announce = box.querySelector("[data-idle-announce]");
  var STORAGE_KEY = "ieum-last-activity";
  var WARN_AT = [120, 60]; // seconds left when a screen reader is told (once each)
  var warned = [];
  var deadline = 0;
  var checking = false;

  function show(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(s / 60);
    var rest = s % 60;
    clock.textContent = (m < 10 ? "0" : "") + m + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function warn(left) {
    if (!announce) return;
    WARN_AT.forEach(function (at) {
      if (left <= at && left > 0 && warned.indexOf(at) < 0) {
        warned.push(at);
        announce.textContent = T("자동 로그아웃까지 %(n)s분 남았습니다. 계속 쓰려면 연장을 누르세요.")
          .replace("%(n)s", String(Math.ceil(left / 60)));
      }
    });
  }

  function restart(seconds, broadcast) {
    deadline = Date.now() + seconds * 1000;
    warned = WARN_AT.filter(function (at) { return seconds <= at; });
    if (announce) announce.textContent = "";
    show(seconds);
    if (broadcast) {
      try { window.localStorage.setItem(STORAGE_KEY, String(Date.now())); } catch (e) { /* */ }
    }
  }

  function toLogin() {
    window.location.assign(box.getAttribute("data-login-url") || "/login");
  }

  function logOut() {
    if (logoutForm) logoutForm.submit(); else toLogin();
  }

  function expired() {
    if (checking) return;
    checking = true;
    fetch(box.getAttribute("data-status-url"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401) { toLogin(); return null; }
      return response.ok ? response.json() : { remaining: 0 };
    }).then(function (body) {
      checking = false;
      if (body && body.remaining > 0) restart(body.remaining, false);
      else if (body) logOut();
    }).catch(function () {
      checking = false;
      logOut();
    });
  }

  function tick() {
    var left = (deadline - Date.now()) / 1000;
    show(left);
    warn(left);
    if (left <= 0) expired();
  }

  if (extend) {
    extend.addEventListener("click", function () {
      fetch(box.getAttribute("data-ping-url"), { credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 204) restart(full, true); else toLogin();
        })
        .catch(function () { /* offline: keep counting; the server decides anyway */ });
    });
  }

  // Another tab of this site loaded a page or extended the session: the server saw activity.
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY) restart(full, false);
  });

  restart(full, true); // this page load was a request: the server has just reset its clock
  window.setInterval(tick, 1000);
})();
