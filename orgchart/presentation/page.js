(function () {
  "use strict";
  // Shows one step (date) at a time, keeps anchors clear of the sticky date bar,
  // and lets each chart be zoomed and dragged. The page's text is all in the HTML;
  // this script only hides and shows sections and sizes drawings, so it never
  // handles untrusted data.
  var steps = Array.prototype.slice.call(document.querySelectorAll("section.step"));
  if (!steps.length) { return; }
  var slider = document.getElementById("slider");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var status = document.getElementById("status");
  var links = Array.prototype.slice.call(document.querySelectorAll("#dates a[data-step]"));
  var bar = document.querySelector("nav.dates");
  var baseTitle = document.title;
  var current = -1;

  document.documentElement.classList.add("js");
  document.getElementById("controls").hidden = false;
  document.getElementById("hint").hidden = false;

  function label(i) {
    var t = steps[i].querySelector("h2");
    return t ? t.textContent : steps[i].id;
  }

  function find(hash) {
    var key;
    try { key = decodeURIComponent(String(hash || "").replace(/^#/, "")); }
    catch (e) { return -1; }
    if (!key) { return -1; }
    for (var i = 0; i < steps.length; i++) {
      var aliases = (steps[i].getAttribute("data-aliases") || "").split(" ");
      if (steps[i].id === key || aliases.indexOf(key) >= 0) { return i; }
    }
    return -1;
  }

  // The sticky bar's real height, so that a step's heading opened by its link is
  // not hidden under it (CSS reads --bar for scroll-margin-top).
  function measureBar() {
    var sticky = bar && getComputedStyle(bar).position === "sticky";
    var h = sticky ? Math.ceil(bar.getBoundingClientRect().height) : 0;
    document.documentElement.style.setProperty("--bar", h + "px");
  }

  // Only the year of the current step shows its dates when they are grouped by year.
  function openYear(i) {
    var groups = document.querySelectorAll("#dates .year-group");
    for (var g = 0; g < groups.length; g++) {
      groups[g].classList.toggle("open", !!links[i] && groups[g].contains(links[i]));
    }
    measureBar();
  }

  function show(i, remember) {
    i = Math.max(0, Math.min(steps.length - 1, i));
    if (i === current) { return; }
    current = i;
    openYear(i);
    for (var k = 0; k < steps.length; k++) {
      steps[k].hidden = k !== i;
      steps[k].classList.toggle("current", k === i);
    }
    links.forEach(function (a, k) {
      if (k === i) { a.setAttribute("aria-current", "step"); }
      else { a.removeAttribute("aria-current"); }
    });
    var text = label(i);
    slider.value = String(i);
    slider.setAttribute("aria-valuetext", text);
    prev.disabled = i === 0;
    next.disabled = i === steps.length - 1;
    status.textContent = text + " (" + (i + 1) + " of " + steps.length + ")";
    document.title = text + " · " + baseTitle;
    if (links[i] && links[i].scrollIntoView) {
      links[i].scrollIntoView({block: "nearest", inline: "nearest"});
    }
    if (remember && location.hash !== "#" + steps[i].id) {
      try { history.replaceState(null, "", "#" + steps[i].id); }
      catch (e) { /* some browsers refuse this on file:// pages: the page still works */ }
    }
  }

  prev.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { show(current + 1, true); });
  slider.addEventListener("input", function () { show(Number(slider.value), true); });
  links.forEach(function (a, k) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      show(k, true);
    });
  });
  window.addEventListener("hashchange", function () {
    var i = find(location.hash);
    if (i >= 0) {
      show(i, false);
      if (steps[i].scrollIntoView) { steps[i].scrollIntoView(); }
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.defaultPrevented) { return; }
    var t = ev.target;
    var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if ((tag === "input" && t !== slider) || tag === "textarea" || tag === "select"
        || (t && t.isContentEditable)) { return; }
    var to = null;
    if (ev.key === "ArrowRight" || (t === slider && ev.key === "ArrowUp")) { to = current + 1; }
    else if (ev.key === "ArrowLeft" || (t === slider && ev.key === "ArrowDown")) { to = current - 1; }
    else if (ev.key === "Home" && t === slider) { to = 0; }
    else if (ev.key === "End" && t === slider) { to = steps.length - 1; }
    if (to === null) { return; }
    ev.preventDefault();
    show(to, true);
  });

  // -- zoom and pan on each chart ------------------------------------------------
  function zoomable(box) {
    var svg = box.querySelector("svg");
    if (!svg) { return; }
    var scale = 1;
    var tools = document.createElement("div");
    tools.className = "chart-tools";
    function button(text, title, fn) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.title = title;
      b.setAttribute("aria-label", title);
      b.addEventListener("click", fn);
      tools.appendChild(b);
      return b;
    }
    function natural() {
      var w = svg.width && svg.width.baseVal ? svg.width.baseVal.value : 0;
      return w || svg.getBoundingClientRect().width || 800;
    }
    function zoom(to, cx, cy) {
      var old = scale;
      scale = Math.max(0.2, Math.min(8, to));
      var x = (box.scrollLeft + (cx || 0)) * scale / old - (cx || 0);
      var y = (box.scrollTop + (cy || 0)) * scale / old - (cy || 0);
      svg.style.maxWidth = "none";
      svg.style.width = Math.round(natural() * scale) + "px";
      box.scrollLeft = x;
      box.scrollTop = y;
      box.classList.add("zoomed");
    }
    function fit() {
      scale = 1;
      svg.style.maxWidth = "";
      svg.style.width = "";
      box.classList.remove("zoomed");
    }
    button("−", "Zoom out", function () { zoom(scale / 1.25); });
    button("+", "Zoom in", function () { zoom(scale * 1.25); });
    button("Fit", "Fit to the width", fit);
    button("Full size", "Open at full size", function () {
      var fig = box.closest("figure") || box;
      var full = fig.classList.toggle("full-size");
      this.setAttribute("aria-pressed", full ? "true" : "false");
      if (full) { zoom(1); } else { fit(); }
    });
    box.parentNode.insertBefore(tools, box);
    box.addEventListener("wheel", function (ev) {
      if (!ev.ctrlKey) { return; }
      ev.preventDefault();
      var r = box.getBoundingClientRect();
      zoom(scale * (ev.deltaY < 0 ? 1.15 : 1 / 1.15), ev.clientX - r.left, ev.clientY - r.top);
    }, {passive: false});
    var drag = null;
    box.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 || ev.pointerType === "touch") { return; }
      drag = {x: ev.clientX, y: ev.clientY, left: box.scrollLeft, top: box.scrollTop};
      box.classList.add("dragging");
    });
    window.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      box.scrollLeft = drag.left - (ev.clientX - drag.x);
      box.scrollTop = drag.top - (ev.clientY - drag.y);
    });
    window.addEventListener("pointerup", function () {
      drag = null;
      box.classList.remove("dragging");
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".chart-scroll"), zoomable);

  window.addEventListener("resize", measureBar);
  measureBar();
  var start = find(location.hash);
  show(start >= 0 ? start : 0, false);
  if (start >= 0 && steps[start].scrollIntoView) { steps[start].scrollIntoView(); }
}());
