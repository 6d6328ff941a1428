// The page's behaviour that Gradio's components do not give (ui/app.py puts this in the page head; the CSP
// allows inline scripts but not eval, so this is plain DOM code):
// - the question box reads Arabic right-to-left as it is typed (dir="auto");
// - a new question is scrolled to the top of the chat (of the page on a phone), so its answer grows in view;
// - a click on [n] in an answer shows that answer's sources and brings card n into view, flashing it;
// - on a phone, a tap on a shortened answer line shows it whole.
(function () {
  "use strict";
  var questions = 0;
  var pending = null;  // the newest question, kept at the top until its answer is complete

  function scrollBox(el) {
    for (var p = el.parentElement; p && p.id !== "rag-chat"; p = p.parentElement) {
      if (/(auto|scroll)/.test(getComputedStyle(p).overflowY)) return p;
    }
    return null;
  }

  function toTop(el) {
    var box = scrollBox(el);
    if (box && window.innerWidth > 760) {
      box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    } else {
      window.scrollBy(0, el.getBoundingClientRect().top - 8);
    }
  }

  function onChange() {
    document.querySelectorAll("#rag-question textarea:not([dir=auto])").forEach(function (t) {
      t.setAttribute("dir", "auto");
    });
    var asked = document.querySelectorAll("#rag-chat .rag-q");
    if (asked.length > questions) {
      var last = asked[asked.length - 1];
      pending = last.closest(".message-row") || last;
    }
    questions = asked.length;
    if (pending) {
      var target = pending;
      requestAnimationFrame(function () { if (target.isConnected) toTop(target); });
      var answered = document.querySelectorAll("#rag-chat .rag-answer:not(.rag-streaming)").length;
      if (answered >= asked.length) pending = null;
    }
  }

  function showCard(href) {
    var m = /^#rag-src-(\d+)-(\d+)$/.exec(href || "");
    if (!m) return false;
    var section = document.getElementById("rag-turn-" + m[1]);
    var anchor = document.getElementById("rag-src-" + m[1] + "-" + m[2]);
    if (!section || !anchor) return false;
    document.querySelectorAll(".rag-turn.rag-current").forEach(function (s) { s.classList.remove("rag-current"); });
    section.classList.add("rag-current");
    section.querySelectorAll("details.rag-list").forEach(function (d) { d.open = true; });
    var card = anchor.closest(".rag-card") || anchor;
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    card.classList.add("rag-flash");
    setTimeout(function () { card.classList.remove("rag-flash"); }, 1600);
    return true;
  }

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a.rag-cite");
    if (link && showCard(link.getAttribute("href"))) { e.preventDefault(); return; }
    var line = e.target.closest && e.target.closest(".rag-answer .rag-line");
    if (line) line.classList.toggle("rag-open");  // a phone shows a long sentence's first lines until tapped
  }, true);

  new MutationObserver(onChange).observe(document.documentElement, { childList: true, subtree: true });
})();
