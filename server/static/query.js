/* The query page: editor keys, named queries, running a query against /sparql with fetch() and showing
   the table the endpoint writes in HTML (the server's one results renderer). No library; works offline. */
(function () {
  "use strict";
  var textarea = document.getElementById("query-text");
  if (!textarea) { return; }
  var form = document.getElementById("query-form");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var runButton = document.getElementById("run-query");
  var endpoint = textarea.getAttribute("data-endpoint");
  var named = JSON.parse(document.getElementById("named-queries-data").textContent);
  var tabLeaves = false;
  var running = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function showError(title, detail) {
    results.textContent = "";
    var box = el("div", "error-box");
    box.setAttribute("role", "alert");
    box.appendChild(el("strong", "", title));
    if (detail) { box.appendChild(el("pre", "", detail)); }
    results.appendChild(box);
  }

  // the endpoint's own HTML answer (the table the server writes for /?query= and for a browser on /sparql,
  // one renderer): its results part is moved into this page; scripts in a parsed document never run
  function render(body) {
    var answer = new DOMParser().parseFromString(body, "text/html").getElementById("results-body");
    if (!answer) { showError("The endpoint's answer has no results part.", body.slice(0, 2000)); return false; }
    results.textContent = "";
    while (answer.firstChild) { results.appendChild(document.adoptNode(answer.firstChild)); }
    return true;
  }

  function run() {
    var text = textarea.value;
    if (!text.trim()) { showError("The query is empty.", "Write a SPARQL query, or pick a question on the left."); return; }
    if (running) { running.abort(); }
    var controller = window.AbortController ? new AbortController() : null;
    running = controller;
    var started = Date.now();
    status.textContent = "Running…";
    runButton.disabled = true;
    results.setAttribute("aria-busy", "true");
    fetch(endpoint, {
      method: "POST",
      headers: {
        "Accept": "text/html",
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"
      },
      body: new URLSearchParams({ query: text }).toString(),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.text().then(function (body) {
        var ms = Date.now() - started;
        if (!response.ok) {
          var detail = body;
          try {
            var parsed = JSON.parse(body);
            detail = parsed.message || parsed.error || parsed.detail || body;
          } catch (e) { /* the body is plain text already */ }
          showError("The query could not run (" + response.status + " " + (response.statusText || "") + ").", detail);
          status.textContent = "";
          return;
        }
        if (render(body)) { status.textContent = "Done in " + ms + " ms."; } else { status.textContent = ""; }
      });
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      showError("The endpoint could not be reached.", String(error));
      status.textContent = "";
    }).then(function () {
      runButton.disabled = false;
      results.removeAttribute("aria-busy");
    });
  }

  // a named query unchanged in the editor is remembered by its name: a short URL that still works
  function rememberText(text) {
    for (var i = 0; i < named.length; i++) {
      if (named[i].text === text) { remember({ name: named[i].name }); return; }
    }
    remember({ query: text });
  }

  function remember(params) {
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "?" + new URLSearchParams(params).toString());
    }
  }

  function insert(text) {
    textarea.focus();
    // execCommand keeps the browser's undo history; setRangeText is the fallback
    if (!(document.execCommand && document.execCommand("insertText", false, text))) {
      textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
    }
  }

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      rememberText(textarea.value);
      run();
      return;
    }
    if (event.key === "Escape") { tabLeaves = true; return; }
    if (event.key === "Tab" && !tabLeaves && !event.shiftKey) {
      event.preventDefault();
      insert("  ");
      return;
    }
    if (event.key === "Enter" && !event.shiftKey) {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var line = before.slice(before.lastIndexOf("\n") + 1);
      var indent = line.match(/^[ \t]*/)[0];
      if (/\{\s*$/.test(before)) { indent += "  "; }
      event.preventDefault();
      insert("\n" + indent);
      return;
    }
    tabLeaves = false;
  });
  textarea.addEventListener("blur", function () { tabLeaves = false; });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    rememberText(textarea.value);
    run();
  });

  var byName = {};
  named.forEach(function (q) { byName[q.name] = q; });
  Array.prototype.forEach.call(document.querySelectorAll("a.named-query"), function (link) {
    link.addEventListener("click", function (event) {
      var q = byName[link.getAttribute("data-query-name")];
      if (!q || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      event.preventDefault();
      Array.prototype.forEach.call(document.querySelectorAll("a.named-query.current"), function (other) {
        other.classList.remove("current");
      });
      link.classList.add("current");
      textarea.value = q.text;
      remember({ name: q.name });
      document.title = q.title + " · ECO-KG";
      var asked = document.getElementById("chosen-question");
      if (asked) { asked.textContent = q.question || q.title; asked.hidden = false; }
      // in one column the list stands below the answer: bring the editor and the answer back into view
      if (window.matchMedia("(max-width: 820px)").matches) { textarea.scrollIntoView({ block: "start" }); }
      run();
    });
  });
}());
