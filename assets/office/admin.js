// The administrator's pages of the county office console (devices, tasks, imagery, users): forms and
// buttons sent to the console API with the session's CSRF token. Served from /static/ (the
// Content-Security-Policy forbids inline script). Text from the server is shown with
// textContent only, never as HTML.
"use strict";

(function () {
  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute("content") : "";
  }
  var status = document.getElementById("status");
  function say(text, bad) {
    if (!status) return;
    status.textContent = text;
    status.className = bad ? "error" : "";
  }

  // A refusal's words in the page's language (errors.js: its code, the server's English text as
  // the detail).
  function errorText(j, st) {
    if (window.QuejieErrors) return window.QuejieErrors.message(j, st);
    return j && j.error;
  }

  // The session ended (idle timeout, logout elsewhere): nothing was recorded; the refusal says
  // so, then the login page, which leads back to this one (as console.js does).
  var leaving = false;
  function toLogin() {
    if (leaving) return;
    leaving = true;
    window.setTimeout(function () {
      window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname) +
        (document.documentElement.lang === "en" ? "&lang=en" : "");
    }, 4000);
  }

  // The parsed JSON of a reply; rejects with the refusal's words.
  function json(r) {
    if (r.status === 401) toLogin();
    return r.json().catch(function () { return {}; }).then(function (j) {
      if (!r.ok) throw new Error(errorText(j, r.status) || r.status + " " + r.statusText);
      return j;
    });
  }

  // An imagery upload answered 202 is tiled in the background: ask after its job every second
  // until it is done (resolves with the job's result) or failed (rejects with its reason). A
  // question that gets no answer (a network blip, a proxy's 502) is asked again; five in a row,
  // or a job the office no longer knows (it restarted), end the wait with that reason.
  var following = 0; // uploads of this page being followed: watchJobs must not reload under them
  function follow(j) {
    if (!j || !j.url) return j;
    following++;
    if (jobs) watchJobs(null);
    return new Promise(function (resolve, reject) {
      var misses = 0;
      function ask() {
        fetch(j.url, { credentials: "same-origin" }).then(function (r) {
          if (r.status === 404) return json(r).then(null, function (e) { e.final = true; throw e; });
          return json(r);
        }).then(function (s) {
          misses = 0;
          if (s.state === "done") resolve(s.result);
          else if (s.state === "failed") reject(new Error(errorText(s, s.status)));
          else window.setTimeout(ask, 1000);
        }, function (e) {
          if (e.final || ++misses >= 5) reject(e);
          else window.setTimeout(ask, 2000);
        });
      }
      ask();
    }).then(function (r) { following--; return r; }, function (e) { following--; throw e; });
  }

  // POST to the API; resolves with the parsed JSON (for a background job, its result once it is
  // done), rejects with the server's error text. Meanwhile the form's buttons are disabled (no
  // second upload of the same orthophoto) and the status counts the seconds: tiling a county's
  // orthophoto takes minutes, and the page must show it is still at work.
  function post(url, body, type, form) {
    var headers = { "X-CSRF-Token": meta("csrf-token") };
    if (type) headers["Content-Type"] = type;
    var buttons = form ? form.querySelectorAll("button, input[type=submit]") : [];
    buttons.forEach(function (b) { b.disabled = true; });
    var started = Date.now();
    say(meta("msg-working"));
    var tick = window.setInterval(function () {
      var s = Math.round((Date.now() - started) / 1000);
      say(meta("msg-working") + (document.documentElement.lang === "en" ? " " + s + " s" : "已用 " + s + " 秒"));
    }, 1000);
    function done() {
      window.clearInterval(tick);
      buttons.forEach(function (b) { b.disabled = false; });
    }
    return fetch(url, { method: "POST", headers: headers, body: body, credentials: "same-origin" })
      .then(json)
      .then(follow)
      .then(function (j) { done(); return j; }, function (e) { done(); throw e; });
  }
  // a request that never reached the server (fetch's TypeError, "Failed to fetch") is said so
  function fail(e) {
    if (e instanceof TypeError && /fetch|network|load failed/i.test(e.message))
      say(document.documentElement.lang === "en"
        ? "The office server cannot be reached: this may not have been done; reload the page to see."
        : "无法连接县局服务器：这次操作可能没有完成，请刷新页面确认。", true);
    else
      say(e.message, true);
  }
  function reload() { window.location.reload(); }

  var dev = document.getElementById("device-add");
  if (dev) {
    dev.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = { name: dev.elements.name.value };
      if (dev.elements.crew.value) body.crew = dev.elements.crew.value;
      post("/api/v1/devices", JSON.stringify(body), "application/json", dev).then(function (j) {
        say(meta("msg-done"));
        document.getElementById("token-text").textContent = meta("msg-token") + " " + j.token;
        var img = document.getElementById("token-qr");
        if (j.qr_svg) img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(j.qr_svg);
        document.getElementById("token").hidden = false;
        dev.reset();
        relist("device-list");
      }, fail);
    });
  }

  // async: the office answers at once and tiles in the background (imagery); the page follows.
  function upload(form, url, async) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var file = form.elements.file.files[0];
      if (!file) return;
      var q = new URLSearchParams();
      if (async) q.set("async", "1");
      q.set("assign", form.elements.assign.value);
      // a task package: units a crew has begun move only when this box says so
      if (form.elements.reassign && form.elements.reassign.checked) q.set("reassign", "1");
      if (form.elements.name) q.set("name", form.elements.name.value);
      // imagery: what each tablet receives, metres around its units or the whole
      if (form.elements.whole && form.elements.whole.checked) q.set("margin", "whole");
      else if (form.elements.margin && form.elements.margin.value !== "") q.set("margin", form.elements.margin.value);
      else q.set("file", file.name);
      post(url + "?" + q.toString(), file, "application/octet-stream", form).then(function (j) {
        // A task package: say what was imported, and warn of an assignment that reaches nobody,
        // on the reloaded page (which lists the units).
        if (j && typeof j.units === "number") {
          var text = meta("msg-imported").replace("{n}", String(j.units))
            .replace("{assign}", j.assign);
          if (j.assignee_known === false) text += " " + meta("msg-nobody").replace("{assign}", j.assign);
          try { window.sessionStorage.setItem("qj-status", JSON.stringify({ text: text, bad: !j.assignee_known })); }
          catch (e) { /* storage refused: the reload still lists the units */ }
        }
        reload();
      }, fail);
    });
  }
  // The outcome of the action that reloaded this page (an import), once.
  try {
    var kept = window.sessionStorage.getItem("qj-status");
    if (kept) {
      window.sessionStorage.removeItem("qj-status");
      kept = JSON.parse(kept);
      say(kept.text, kept.bad);
    }
  } catch (e) { /* nothing kept */ }
  // The office's tiling jobs on the imagery page (its memory since it started, newest first,
  // ten at most): followed every two seconds while one is queued or tiling; when one of them
  // ends done while this page follows no upload of its own and its form is untouched, the page
  // reloads to list the new imagery (its own uploads reload through post's caller).
  var jobs = document.getElementById("imagery-jobs");
  var watching = false;
  function showJobs(list) {
    while (jobs.firstChild) jobs.removeChild(jobs.firstChild);
    var shown = list.slice(0, 10);
    jobs.hidden = shown.length === 0;
    if (!shown.length) return;
    var h = document.createElement("h2");
    h.textContent = jobs.dataset.title;
    jobs.appendChild(h);
    var ul = document.createElement("ul");
    shown.forEach(function (j) {
      var li = document.createElement("li");
      li.className = "job " + j.state;
      li.setAttribute("data-job", j.job);
      li.textContent = j.what + " (" + j.by + "): " + (jobs.dataset[j.state] || j.state) + ", " +
        j.seconds + " s" + (j.error ? ": " + j.error : "");
      ul.appendChild(li);
    });
    jobs.appendChild(ul);
  }
  function busy(list) {
    return list.some(function (j) { return j.state === "queued" || j.state === "running"; });
  }
  // A job unfinished in before and done in now.
  function newlyDone(before, now) {
    var was = {};
    before.forEach(function (j) { if (j.state === "queued" || j.state === "running") was[j.job] = 1; });
    return now.some(function (j) { return j.state === "done" && was[j.job]; });
  }
  function untouched() {
    var f = document.getElementById("imagery-upload");
    return !f || Array.prototype.every.call(f.querySelectorAll("input"), function (i) {
      return i.type === "file" ? !i.files.length : !i.value;
    });
  }
  function watchJobs(before) {
    if (watching && !before) return; // one chain of questions at a time
    watching = true;
    fetch("/api/v1/imagery/jobs", { credentials: "same-origin" }).then(json).then(function (list) {
      showJobs(list);
      if (before && newlyDone(before, list) && !following && untouched()) reload();
      else if (busy(list) || following) window.setTimeout(function () { watchJobs(list); }, 2000);
      else watching = false;
    }, function () { watching = false; /* the listing is a convenience: the page works without it */ });
  }
  if (jobs) watchJobs(null);

  // Long lists (a county's task units) get a filter box and a pager (pager.js); the server
  // shows their first page.
  function pageLong(root) {
    if (window.QuejiePager)
      root.querySelectorAll("table.units[id]").forEach(function (t) {
        if (t.tBodies.length && t.tBodies[0].rows.length > 100)
          window.QuejiePager.attach(t, t.id, meta("msg-filter"));
      });
  }
  pageLong(document);

  var tasks = document.getElementById("tasks-upload");
  if (tasks) upload(tasks, "/api/v1/tasks");
  var imagery = document.getElementById("imagery-upload");
  if (imagery) upload(imagery, "/api/v1/imagery", true);

  // Staff accounts: a new one (its first password typed here, sent in the body over TLS, never
  // in a URL), a new password for one, disabling and enabling.
  var userAdd = document.getElementById("user-add");
  if (userAdd) {
    userAdd.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var e = userAdd.elements;
      var body = { name: e.name.value, role: e.role.value, password: e.password.value };
      post("/api/v1/users", JSON.stringify(body), "application/json", userAdd).then(reload, fail);
    });
  }
  var passwd = document.getElementById("user-passwd");
  function passwdFor(name) {
    passwd.setAttribute("data-name", name);
    document.getElementById("passwd-for").textContent = name;
    passwd.reset();
    passwd.hidden = false;
    passwd.elements.password.focus();
  }
  if (passwd) {
    passwd.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = passwd.getAttribute("data-name");
      var body = JSON.stringify({ password: passwd.elements.password.value });
      post("/api/v1/users/" + encodeURIComponent(name) + "/passwd", body, "application/json",
        passwd).then(function () {
        passwd.reset();
        passwd.hidden = true;
        say(meta("msg-done"));
        // one's own account: its sessions, this one too, have ended
        var me = document.querySelector("header a.user");
        if (me && me.textContent === name)
          window.setTimeout(function () {
            window.location.href = "/login" + (document.documentElement.lang === "en" ? "?lang=en" : "");
          }, 2000);
      }, fail);
    });
    document.getElementById("passwd-cancel").addEventListener("click", function () {
      passwd.reset();
      passwd.hidden = true;
    });
  }

  // The user's own password (the account page): the new one typed twice, checked here first;
  // once changed every session has ended, this one too, and the login page follows.
  var own = document.getElementById("password-change");
  if (own) {
    own.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var e = own.elements;
      if (e.password.value !== e.repeat.value) {
        say(own.getAttribute("data-differ"), true);
        return;
      }
      var body = JSON.stringify({ current: e.current.value, password: e.password.value });
      post("/api/v1/me/password", body, "application/json", own).then(function () {
        own.reset();
        say(own.getAttribute("data-changed"));
        window.setTimeout(function () {
          window.location.href = "/login" + (document.documentElement.lang === "en" ? "?lang=en" : "");
        }, 3000);
      }, fail);
    });
  }

  var BASES = {
    revoke: "/api/v1/devices/", remove: "/api/v1/imagery/",
    disable: "/api/v1/users/", enable: "/api/v1/users/"
  };
  function bindRows(root) {
    root.querySelectorAll("button.row-action").forEach(function (b) {
      b.addEventListener("click", function () {
        var name = b.getAttribute("data-name"), action = b.getAttribute("data-action");
        if (action === "passwd") { passwdFor(name); return; }
        var ask = document.documentElement.lang === "en" ? b.textContent + ": " + name + "?"
          : "确定" + b.textContent + "“" + name + "”吗？";
        if (!BASES[action] || !window.confirm(ask)) return;
        post(BASES[action] + encodeURIComponent(name) + "/" + action, "").then(reload, fail);
      });
    });
  }
  bindRows(document);
  // The element id of this page as the server renders it now, in place of the one shown: a
  // list brought up to date without a reload (which would lose what the page shows beside it,
  // a new device's one-time token). The server's HTML, parsed inertly, never run.
  function relist(id) {
    fetch(window.location.pathname + window.location.search, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.statusText); return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
        var old = document.getElementById(id);
        if (!fresh || !old) return;
        var node = document.importNode(fresh, true);
        old.parentNode.replaceChild(node, old);
        bindRows(node);
        pageLong(node); // a long list gets its pager again
      })
      .catch(function () { /* the list is current after the next reload */ });
  }
})();
