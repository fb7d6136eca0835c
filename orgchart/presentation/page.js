(function () {
  "use strict";
  // Shows one step (date) at a time. The page's text is all in the HTML; this
  // script only hides and shows sections, so it never handles untrusted data.
  var steps = Array.prototype.slice.call(document.querySelectorAll("section.step"));
  if (!steps.length) { return; }
  var slider = document.getElementById("slider");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var status = document.getElementById("status");
  var links = Array.prototype.slice.call(document.querySelectorAll("#dates a"));
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

  function show(i, remember) {
    i = Math.max(0, Math.min(steps.length - 1, i));
    if (i === current) { return; }
    current = i;
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
    if (i >= 0) { show(i, false); }
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

  var start = find(location.hash);
  show(start >= 0 ? start : 0, false);
}());
