/* The query page: editor keys, named queries, running a query against /sparql with fetch(),
   and the results as a table whose IRIs link to their pages. No library; works offline. */
(function () {
  "use strict";
  var textarea = document.getElementById("query-text");
  if (!textarea) { return; }
  var form = document.getElementById("query-form");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var runButton = document.getElementById("run-query");
  var endpoint = textarea.getAttribute("data-endpoint");
  var base = textarea.getAttribute("data-base");
  var root = endpoint.replace(/\/sparql$/, "");
  var prefixes = JSON.parse(document.getElementById("prefixes-data").textContent);
  var named = JSON.parse(document.getElementById("named-queries-data").textContent);
  var namespaces = Object.keys(prefixes).map(function (p) { return [p, prefixes[p]]; })
    .sort(function (a, b) { return b[1].length - a[1].length; });
  var tabLeaves = false;
  var running = null;

  function localHref(iri) {
    if (iri.indexOf(base) === 0) { return root + "/" + iri.slice(base.length); }
    return iri;
  }

  function compact(iri) {
    for (var i = 0; i < namespaces.length; i++) {
      var ns = namespaces[i][1];
      if (iri.indexOf(ns) === 0 && /^[\w\-.]*$/.test(iri.slice(ns.length))) {
        return namespaces[i][0] + ":" + iri.slice(ns.length);
      }
    }
    return iri;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function termNode(term) {
    if (!term) { return el("span", "unbound", "—"); }
    if (term.type === "uri") {
      // only http(s) IRIs are links: a javascript: or data: IRI in an answer is shown, never followed
      if (!/^https?:\/\//i.test(term.value) && term.value.indexOf(base) !== 0) {
        var shown = el("span", "iri", compact(term.value));
        shown.title = term.value;
        return shown;
      }
      var a = el("a", term.value.indexOf(base) === 0 ? "" : "external", compact(term.value));
      a.href = localHref(term.value);
      a.title = term.value;
      return a;
    }
    if (term.type === "bnode") { return el("span", "bnode", "_:" + term.value); }
    if (term.type === "literal" || term.type === "typed-literal") {
      var span = el("span", "");
      span.appendChild(el("span", "literal", term.value));
      if (term["xml:lang"]) { span.appendChild(el("span", "lang", "@" + term["xml:lang"])); }
      else if (term.datatype && term.datatype !== "http://www.w3.org/2001/XMLSchema#string") {
        span.appendChild(el("span", "datatype", compact(term.datatype)));
      }
      return span;
    }
    if (term.type === "triple") { return el("span", "literal", JSON.stringify(term.value)); }
    return el("span", "", String(term.value));
  }

  function table(variables, rows) {
    var wrap = el("div", "table-wrap");
    var t = el("table", "results");
    var head = el("thead");
    var tr = el("tr");
    variables.forEach(function (v) { tr.appendChild(el("th", "", v)); });
    head.appendChild(tr);
    t.appendChild(head);
    var body = el("tbody");
    rows.forEach(function (row) {
      var r = el("tr");
      variables.forEach(function (v) {
        var td = el("td");
        td.appendChild(termNode(row[v]));
        r.appendChild(td);
      });
      body.appendChild(r);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    return wrap;
  }

  function showCount(n, ms) {
    results.appendChild(el("p", "result-count", n + (n === 1 ? " result" : " results") + " · " + ms + " ms"));
  }

  function showError(title, detail) {
    results.textContent = "";
    var box = el("div", "error-box");
    box.setAttribute("role", "alert");
    box.appendChild(el("strong", "", title));
    if (detail) { box.appendChild(el("pre", "", detail)); }
    results.appendChild(box);
  }

  var NT_TERM = /<([^>]*)>|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([\w-]+)|\^\^<([^>]*)>)?/g;

  function parseNTriples(text) {
    var rows = [];
    text.split(/\r?\n/).forEach(function (line) {
      if (!line.trim() || line.trim().charAt(0) === "#") { return; }
      var terms = [];
      var m;
      NT_TERM.lastIndex = 0;
      while ((m = NT_TERM.exec(line)) !== null && terms.length < 3) {
        if (m[1] !== undefined) { terms.push({ type: "uri", value: m[1] }); }
        else if (m[2] !== undefined) { terms.push({ type: "bnode", value: m[2] }); }
        else {
          var value;
          try { value = JSON.parse('"' + m[3] + '"'); } catch (e) { value = m[3]; }
          var lit = { type: "literal", value: value };
          if (m[4]) { lit["xml:lang"] = m[4]; }
          if (m[5]) { lit.datatype = m[5]; }
          terms.push(lit);
        }
      }
      if (terms.length === 3) { rows.push({ subject: terms[0], predicate: terms[1], object: terms[2] }); }
    });
    return rows;
  }

  function render(contentType, body, ms) {
    results.textContent = "";
    if (/json/.test(contentType)) {
      var data = JSON.parse(body);
      if (typeof data.boolean === "boolean") {
        results.appendChild(el("p", "boolean " + (data.boolean ? "yes" : "no"),
          data.boolean ? "true — yes" : "false — no"));
        return;
      }
      var variables = (data.head && data.head.vars) || [];
      var rows = (data.results && data.results.bindings) || [];
      showCount(rows.length, ms);
      results.appendChild(table(variables, rows));
      return;
    }
    if (/n-triples|text\/plain/.test(contentType)) {
      var triples = parseNTriples(body);
      showCount(triples.length, ms);
      results.appendChild(table(["subject", "predicate", "object"], triples));
      return;
    }
    results.appendChild(el("pre", "raw", body));
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
        "Accept": "application/sparql-results+json, application/n-triples;q=0.9, text/plain;q=0.5",
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
        render(response.headers.get("Content-Type") || "", body, ms);
        status.textContent = "Done in " + ms + " ms.";
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
