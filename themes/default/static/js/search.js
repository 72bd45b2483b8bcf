// The search page (templates/search.html). Reads search/index.json, then only the files of
// words that begin like the query's words, ranks the pages and lists them. Without this
// script the page offers a search engine's results for the site instead.
//
// Ranking: a page must hold every word of the query (as a word or the start of one); each
// query word scores the best field it is found in (title 16, headings and tags 4, text 1:
// see crates/site/src/search/postings.rs), doubled, plus one when the word is whole rather
// than a prefix; ties go to the newer page (lower id).
(function () {
  "use strict";

  var form = document.querySelector(".search-form");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var fallback = document.getElementById("search-fallback");
  var engine = document.getElementById("search-engine");
  var engineBase = form.getAttribute("data-engine");
  var indexUrl = new URL(form.getAttribute("data-index"), location.href);

  var PAGE = 10;
  var MAX_QUERY_WORDS = 8;
  // Keep in step with crates/site/src/search/terms.rs.
  var MAX_WORD_CHARS = 32;
  var MARK = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/;
  var IDEOGRAPH = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2fa1f}]/u;
  var WORD_CHAR = /[\p{Alphabetic}\p{N}]/u;
  var DIGIT = /^\p{N}$/u;

  // The words of a text, folded as the index folds them.
  function words(text) {
    var out = [];
    var word = "";
    var chars = 0;
    var run = [];
    function flush() {
      if ((chars >= 2 && chars <= MAX_WORD_CHARS) || (chars === 1 && DIGIT.test(word))) out.push(word);
      word = "";
      chars = 0;
    }
    function pairs() {
      if (run.length === 1) out.push(run[0]);
      for (var i = 0; i + 1 < run.length; i++) out.push(run[i] + run[i + 1]);
      run = [];
    }
    for (var c of text.normalize("NFD")) {
      if (IDEOGRAPH.test(c)) {
        flush();
        run.push(c);
        continue;
      }
      if (run.length && !MARK.test(c)) pairs();
      if (MARK.test(c)) continue;
      if (WORD_CHAR.test(c)) {
        for (var l of c.toLowerCase()) {
          if (!MARK.test(l)) {
            word += l;
            chars++;
          }
        }
      } else {
        flush();
      }
    }
    flush();
    if (run.length) pairs();
    return out;
  }

  var cache = {};
  function fetchJson(name) {
    var url = new URL(name, indexUrl).href;
    if (!cache[url]) {
      cache[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r.json();
      });
      cache[url].catch(function () { delete cache[url]; });
    }
    return cache[url];
  }

  function decode(postings, visit) {
    var id = 0;
    var entries = postings.split(",");
    for (var i = 0; i < entries.length; i++) {
      var e = entries[i];
      var colon = e.indexOf(":");
      id += parseInt(colon < 0 ? e : e.slice(0, colon), 36);
      visit(id, colon < 0 ? 1 : parseInt(e.slice(colon + 1), 36));
    }
  }

  // doc id -> score, for the pages holding every query word.
  function rank(index, queryWords) {
    var needed = {};
    var keys = Object.keys(index.keys);
    var filesOf = queryWords.map(function (w) {
      var files = {};
      keys.forEach(function (k) {
        if (k.startsWith(w) || w.startsWith(k)) files[index.keys[k]] = true;
      });
      Object.keys(files).forEach(function (f) { needed[f] = true; });
      return Object.keys(files);
    });
    var names = Object.keys(needed);
    return Promise.all(names.map(function (f) { return fetchJson(index.words[f]); })).then(function (loaded) {
      var byFile = {};
      names.forEach(function (f, i) { byFile[f] = loaded[i]; });
      var total = null;
      queryWords.forEach(function (w, qi) {
        var best = new Map();
        filesOf[qi].forEach(function (f) {
          var file = byFile[f];
          for (var word in file) {
            if (!word.startsWith(w)) continue;
            var whole = word === w ? 1 : 0;
            decode(file[word], function (id, score) {
              var s = score * 2 + whole;
              if (!(best.get(id) >= s)) best.set(id, s);
            });
          }
        });
        if (total === null) {
          total = best;
        } else {
          var next = new Map();
          total.forEach(function (s, id) {
            if (best.has(id)) next.set(id, s + best.get(id));
          });
          total = next;
        }
      });
      var ranked = Array.from(total || new Map());
      ranked.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
      return ranked.map(function (r) { return r[0]; });
    });
  }

  function message(name, query, n) {
    return form.getAttribute("data-msg-" + name).replace("%q", query).replace("%n", String(n));
  }

  var latest = 0;
  var shown = [];
  var results = [];
  var loadedIndex = null;

  function showMore(focusFirst) {
    var batch = results.slice(shown.length, shown.length + PAGE);
    var per = loadedIndex.docs_per_file;
    var files = {};
    batch.forEach(function (id) { files[Math.floor(id / per)] = true; });
    var mine = latest;
    return Promise.all(Object.keys(files).map(function (f) {
      return fetchJson(loadedIndex.docs[f]).then(function (rows) { return [f, rows]; });
    })).then(function (pairs) {
      if (mine !== latest) return;
      var rowsOf = {};
      pairs.forEach(function (p) { rowsOf[p[0]] = p[1]; });
      var first = null;
      batch.forEach(function (id) {
        var row = rowsOf[Math.floor(id / per)][id % per];
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = row[0];
        a.textContent = row[1] || row[0];
        li.appendChild(a);
        if (row[2]) {
          var time = document.createElement("time");
          time.dateTime = row[2];
          time.textContent = row[2];
          li.appendChild(document.createTextNode(" "));
          li.appendChild(time);
        }
        if (row[3]) {
          var p = document.createElement("p");
          p.textContent = row[3];
          li.appendChild(p);
        }
        list.appendChild(li);
        shown.push(id);
        if (!first) first = a;
      });
      list.hidden = shown.length === 0;
      more.hidden = shown.length >= results.length;
      if (focusFirst && first) first.focus();
    });
  }

  function search(query) {
    var mine = ++latest;
    engine.href = engineBase + (query ? "%20" + encodeURIComponent(query) : "");
    list.textContent = "";
    list.hidden = true;
    more.hidden = true;
    shown = [];
    results = [];
    var queryWords = Array.from(new Set(words(query))).slice(0, MAX_QUERY_WORDS);
    if (!queryWords.length) {
      status.textContent = "";
      return Promise.resolve();
    }
    status.textContent = message("searching", query, 0);
    return fetchJson(indexUrl.href)
      .then(function (index) {
        loadedIndex = index;
        return rank(index, queryWords);
      })
      .then(function (ranked) {
        if (mine !== latest) return;
        results = ranked;
        var n = ranked.length;
        status.textContent = message(n === 0 ? "none" : n === 1 ? "one" : "many", query, n);
        return showMore(false);
      })
      .catch(function () {
        if (mine !== latest) return;
        status.textContent = message("failed", query, 0);
        fallback.hidden = false;
      });
  }

  function fromLocation() {
    var q = new URLSearchParams(location.search).get("q") || "";
    input.value = q;
    search(q);
  }

  var timer = 0;
  function remember(query) {
    var url = new URL(location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url.href);
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      remember(input.value);
      search(input.value);
    }, 150);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    remember(input.value);
    search(input.value);
  });
  more.addEventListener("click", function () { showMore(true); });
  document.addEventListener("keydown", function (e) {
    // "/" jumps to the search box, as on most sites with one.
    if (e.key === "/" && document.activeElement !== input && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
      e.preventDefault();
      input.focus();
    }
  });

  fallback.hidden = true;
  fromLocation();
  if (!input.value) input.focus();
})();
