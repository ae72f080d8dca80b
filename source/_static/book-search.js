/* Search summaries from the book's own text, without fetching a page (book_search.py).
 *
 * Sphinx's searchtools.js fetches every result page to show a few lines of
 * it, and a browser refuses that fetch from file:// (the HTML zip, read
 * offline).  Its summaries are turned off (html_show_search_summary), and
 * this script gives each result a few lines around the word searched for,
 * from window.BOOK_SEARCH_TEXT (_static/book-search-text.js, written by the
 * build).  searchtools.js has no hook for summaries, so this watches its
 * result list (#search-results ul.search li, each with its link) and adds a
 * <p class="context"> to each item, as searchtools.js itself would.
 */
"use strict";

(() => {
  const SHOWN = 240; // characters of context, as searchtools.js shows
  const BEFORE = 100; // of them, before the word found

  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  // The words searched for, then their stems (as the search index has them).
  const searchTerms = () => {
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const stop = typeof stopwords !== "undefined" ? stopwords : new Set();
    const words = query
      .toLowerCase()
      .split(/[^\p{Letter}\p{Number}_-]+/u)
      .filter((w) => w && !w.startsWith("-"))
      .flatMap((w) => w.split("-"))
      .filter((w) => w.length > 1 && !stop.has(w) && !/^\d+$/.test(w));
    let stems = [];
    if (typeof Stemmer === "function") {
      const stemmer = new Stemmer();
      stems = words.map((w) => stemmer.stemWord(w)).filter((s) => s.length > 1);
    }
    return { words, stems: stems.filter((s) => !words.includes(s)) };
  };

  // No look-behind in these patterns: Safari before 16.4 cannot compile one.
  const wordStart = (terms) => `(^|[^\\p{Letter}\\p{Number}])(${terms.map(escape).join("|")})`;

  // The first place one of the terms starts a word, or -1.
  const firstMatch = (text, terms) => {
    if (!terms.length) return -1;
    const found = text.match(new RegExp(wordStart(terms), "iu"));
    return found ? found.index + found[1].length : -1;
  };

  // A few lines of text around the first word found, cut at spaces.
  const excerpt = (text, terms) => {
    let at = firstMatch(text, terms.words);
    if (at < 0) at = firstMatch(text, terms.stems);
    let start = Math.max(at - BEFORE, 0);
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;
    let end = Math.min(start + SHOWN, text.length);
    if (end < text.length) end = text.lastIndexOf(" ", end) > start ? text.lastIndexOf(" ", end) : end;
    return (start > 0 ? "… " : "") + text.slice(start, end).trim() + (end < text.length ? " …" : "");
  };

  // The summary paragraph, each word that starts with a term marked as searchtools.js marks it.
  const summary = (text, terms) => {
    const p = document.createElement("p");
    p.classList.add("context");
    const all = [...terms.words, ...terms.stems].sort((a, b) => b.length - a.length);
    if (!all.length) {
      p.textContent = text;
      return p;
    }
    const marked = new RegExp(`${wordStart(all)}[\\p{Letter}\\p{Number}]*`, "giu");
    let last = 0;
    for (const found of text.matchAll(marked)) {
      const start = found.index + found[1].length;
      p.append(text.slice(last, start));
      const span = p.appendChild(document.createElement("span"));
      span.classList.add("highlighted");
      span.textContent = found[0].slice(found[1].length);
      last = found.index + found[0].length;
    }
    p.append(text.slice(last));
    return p;
  };

  // The page and the part of it a result's link points to.
  const textOf = (href) => {
    const pages = window.BOOK_SEARCH_TEXT || {};
    const suffix = typeof DOCUMENTATION_OPTIONS !== "undefined" ? DOCUMENTATION_OPTIONS.LINK_SUFFIX : ".html";
    const [path, hash = ""] = href.split("#", 2);
    const docname = suffix && path.endsWith(suffix) ? path.slice(0, -suffix.length) : path;
    const page = pages[docname];
    if (!page || !page.text) return "";
    let anchor = hash;
    try {
      anchor = decodeURIComponent(hash);
    } catch (e) {
      // not percent-encoded: the id as written
    }
    const [start, end] = (anchor && page.anchors[anchor]) || [0, page.text.length];
    return page.text.slice(start, end).trim() || page.text;
  };

  // The title of the section a link points to, from the search index's titles:
  // a result found through a section's title words (book_search_answers.py) is
  // labelled "Page › Section", not with the page's title alone.
  let sectionTitles = null;
  const sectionTitle = (href) => {
    const index = typeof Search !== "undefined" && Search._index;
    if (!index || !index.alltitles) return "";
    if (!sectionTitles) {
      sectionTitles = new Map();
      for (const [title, places] of Object.entries(index.alltitles)) {
        for (const [file, id] of places) {
          if (id) sectionTitles.set(`${index.docnames[file]}#${id}`, title);
        }
      }
    }
    const suffix = typeof DOCUMENTATION_OPTIONS !== "undefined" ? DOCUMENTATION_OPTIONS.LINK_SUFFIX : ".html";
    const [path, hash = ""] = href.split("#", 2);
    const docname = suffix && path.endsWith(suffix) ? path.slice(0, -suffix.length) : path;
    return hash ? sectionTitles.get(`${docname}#${hash}`) || "" : "";
  };

  const addSummaries = (results, terms) => {
    results.querySelectorAll("ul.search > li:not([data-book-summary])").forEach((item) => {
      item.dataset.bookSummary = "";
      const link = item.querySelector("a[href]");
      if (!link) return;
      const section = sectionTitle(link.getAttribute("href"));
      if (section && !link.textContent.includes(section)) link.textContent = `${link.textContent} › ${section}`;
      if (item.querySelector("p.context")) return;
      const text = textOf(link.getAttribute("href"));
      if (text) item.appendChild(summary(excerpt(text, terms), terms));
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    const results = document.getElementById("search-results");
    if (!results) return;
    const terms = searchTerms();
    new MutationObserver(() => addSummaries(results, terms)).observe(results, {
      childList: true,
      subtree: true,
    });
    addSummaries(results, terms); // results shown before this ran
  });
})();
