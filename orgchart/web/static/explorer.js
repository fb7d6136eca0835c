// The chart explorer of `orgchart serve`: a collapsible tree that loads one level at a
// time from /api/children, a date picker and slider, and search as you type.
// Every value from the store goes into the page as text (textContent), never as markup;
// links are built from encoded ids. Nothing is fetched from any other origin.
"use strict";

(() => {
  const controls = document.getElementById("controls");
  const tree = document.getElementById("tree");
  const dateInput = document.getElementById("date");
  const slider = document.getElementById("slider");
  const status = document.getElementById("status");
  const changes = document.getElementById("changes");
  const results = document.getElementById("results");
  const query = document.getElementById("q");
  if (!controls || !tree) return;

  const DAY_MS = 86400000;
  const toDays = (iso) => Math.round(Date.parse(iso + "T00:00:00Z") / DAY_MS);
  const toIso = (days) => new Date(days * DAY_MS).toISOString().slice(0, 10);
  const first = controls.dataset.first;
  const last = controls.dataset.last;
  const expanded = new Set(); // units the reader opened: kept open across dates
  const AUTO_OPEN = 60; // open the top-level units when that shows at most this many more
  let date = controls.dataset.date;
  let generation = 0; // bumped on every date change: answers for an older date are dropped

  // -- helpers ---------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function label(name, nameEn) {
    if (name && nameEn && nameEn !== name) return name + " (" + nameEn + ")";
    return name || nameEn || "";
  }

  function unitHref(id) {
    return "/unit/" + encodeURIComponent(id) + "?date=" + encodeURIComponent(date);
  }

  function personHref(id) {
    return "/person/" + encodeURIComponent(id);
  }

  function link(href, text, className) {
    const a = el("a", className, text);
    a.href = href;
    return a;
  }

  async function getJSON(path, params) {
    const url = path + "?" + new URLSearchParams(params).toString();
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  function say(text) {
    status.textContent = text;
  }

  // -- the tree --------------------------------------------------------------------------

  function nodeItem(unit) {
    const li = el("li", "unit");
    li.setAttribute("role", "treeitem");
    li.dataset.unit = unit.id;
    const card = el("div", "node");
    if (unit.children > 0) {
      const toggle = el("button", "toggle", "▸");
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-label", "Show the " + unit.children + " units under it");
      toggle.addEventListener("click", () => onToggle(li));
      card.append(toggle);
      li.setAttribute("aria-expanded", "false");
    } else {
      card.append(el("span", "leaf", "•"));
    }
    const head = el("div", "head");
    head.append(link(unitHref(unit.id), unit.name || unit.id, "name"));
    if (unit.name_en && unit.name_en !== unit.name) head.append(el("span", "en", unit.name_en));
    const facts = el("div", "facts");
    if (unit.kind) facts.append(el("span", "kind", unit.kind));
    facts.append(el("span", "since", "since " + unit.since));
    if (unit.children > 0) {
      facts.append(el("span", "count", unit.children + (unit.children === 1 ? " unit" : " units")));
    }
    facts.append(el("code", "id", unit.id));
    head.append(facts);
    for (const leader of unit.leaders) {
      const line = el("div", "leader");
      line.append(el("span", "role", leader.role + ": "));
      line.append(link(personHref(leader.person), label(leader.name || leader.person, leader.name_en)));
      if (leader.title) line.append(el("span", "title", ", " + leader.title));
      head.append(line);
    }
    card.append(head);
    li.append(card);
    return li;
  }

  function fill(list, units, gen) {
    list.replaceChildren(...units.map(nodeItem));
    const opening = [];
    for (const li of list.children) {
      if (expanded.has(li.dataset.unit) && li.querySelector(".toggle")) opening.push(open(li, gen));
    }
    return Promise.all(opening);
  }

  async function open(li, gen) {
    const toggle = li.querySelector(":scope > .node > .toggle");
    if (!toggle || li.getAttribute("aria-expanded") === "true") return;
    const started = performance.now();
    li.classList.add("loading");
    let data;
    try {
      data = await getJSON("/api/children", { unit: li.dataset.unit, date: date });
    } finally {
      li.classList.remove("loading");
    }
    if (gen !== generation) return;
    let group = li.querySelector(":scope > ul");
    if (!group) {
      group = el("ul", "group");
      group.setAttribute("role", "group");
      li.append(group);
    }
    li.setAttribute("aria-expanded", "true");
    toggle.setAttribute("aria-expanded", "true");
    toggle.textContent = "▾";
    expanded.add(li.dataset.unit);
    const nested = fill(group, data.units, gen);
    performance.measure("orgchart:expand", { start: started, detail: li.dataset.unit });
    await nested;
  }

  function close(li) {
    const toggle = li.querySelector(":scope > .node > .toggle");
    const group = li.querySelector(":scope > ul");
    if (group) group.remove();
    li.setAttribute("aria-expanded", "false");
    if (toggle) {
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = "▸";
    }
    expanded.delete(li.dataset.unit);
  }

  function onToggle(li) {
    if (li.getAttribute("aria-expanded") === "true") {
      close(li);
    } else {
      open(li, generation).catch((e) => say(e.message));
    }
  }

  async function loadChart() {
    const gen = ++generation;
    say("Loading the chart on " + date + "…");
    tree.setAttribute("aria-busy", "true");
    const data = await getJSON("/api/children", { date: date });
    if (gen !== generation) return false;
    if (data.units.reduce((n, u) => n + u.children, 0) <= AUTO_OPEN) {
      data.units.forEach((u) => expanded.add(u.id));
    }
    await fill(tree, data.units, gen);
    if (gen !== generation) return false;
    tree.setAttribute("aria-busy", "false");
    tree.setAttribute("aria-label", "The organisation on " + date);
    const n = data.units.length;
    say(n === 0 ? "No units on " + date + "." :
      date + ": " + n + (n === 1 ? " top-level unit" : " top-level units"));
    return true;
  }

  // -- showing one unit: open its parents, then point at it -------------------------------

  function itemOf(id) {
    return tree.querySelector('li[data-unit="' + CSS.escape(id) + '"]');
  }

  async function reveal(id) {
    const gen = generation;
    const data = await getJSON("/api/parents", { unit: id, date: date });
    for (const parent of data.parents) {
      const li = itemOf(parent);
      if (!li || gen !== generation) return;
      await open(li, gen);
    }
    const target = itemOf(id);
    if (!target || gen !== generation) return;
    for (const old of tree.querySelectorAll(".found")) old.classList.remove("found");
    target.classList.add("found");
    target.scrollIntoView({ block: "center" });
    target.querySelector(".name").focus({ preventScroll: true });
  }

  // -- the date ------------------------------------------------------------------------------

  const base = toDays(first);
  slider.max = String(Math.max(0, toDays(last) - base));

  function showDate() {
    dateInput.value = date;
    slider.value = String(toDays(date) - base);
    changes.href = "/diff?" + new URLSearchParams({ from: first, to: date }).toString();
    const params = new URLSearchParams(location.search);
    params.set("date", date);
    params.delete("unit");
    history.replaceState(null, "", "?" + params.toString());
  }

  function setDate(iso) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || iso === date) return;
    date = iso;
    showDate();
    loadChart().catch((e) => say(e.message));
  }

  let sliding = null;
  slider.addEventListener("input", () => {
    const iso = toIso(base + Number(slider.value));
    dateInput.value = iso;
    say(iso);
    clearTimeout(sliding);
    sliding = setTimeout(() => setDate(iso), 150);
  });
  dateInput.addEventListener("change", () => setDate(dateInput.value));

  // -- search as you type ----------------------------------------------------------------------

  function hit(unit) {
    const li = el("li", unit.alive ? "alive" : "gone");
    li.append(link(unitHref(unit.id), label(unit.name, unit.name_en)));
    li.append(el("code", "id", unit.id));
    if (unit.matched) li.append(el("span", "matched", "named " + unit.matched));
    if (unit.alive) {
      const show = el("button", "show", "Show in chart");
      show.type = "button";
      show.addEventListener("click", () => {
        results.hidden = true;
        reveal(unit.id).catch((e) => say(e.message));
      });
      li.append(show);
    } else {
      li.append(el("span", "gone-note", "not in the chart on " + date));
    }
    return li;
  }

  function personHit(person) {
    const li = el("li", "person");
    li.append(link(personHref(person.id), label(person.name || person.id, person.name_en)));
    li.append(el("code", "id", person.id));
    for (const lead of person.leads) {
      const show = el("button", "show", lead.role + " of " + label(lead.name, lead.name_en));
      show.type = "button";
      show.addEventListener("click", () => {
        results.hidden = true;
        reveal(lead.unit).catch((e) => say(e.message));
      });
      li.append(show);
    }
    return li;
  }

  function showResults(found) {
    const parts = [];
    for (const [heading, items, make] of [["Units", found.units, hit], ["People", found.people, personHit]]) {
      if (!items.length) continue;
      parts.push(el("h2", null, heading));
      const list = el("ul", "hits");
      list.append(...items.map(make));
      parts.push(list);
    }
    if (!parts.length) parts.push(el("p", "none", "Nothing matches “" + found.query + "”."));
    results.replaceChildren(...parts);
    results.hidden = false;
  }

  let searching = null;
  let asked = 0;
  if (query) {
    query.addEventListener("input", () => {
      clearTimeout(searching);
      const text = query.value.trim();
      if (!text) {
        results.hidden = true;
        return;
      }
      searching = setTimeout(async () => {
        const mine = ++asked;
        try {
          const found = await getJSON("/api/search", { q: text, date: date });
          if (mine === asked) showResults(found);
        } catch (e) {
          say(e.message);
        }
      }, 200);
    });
    query.addEventListener("keydown", (e) => {
      if (e.key === "Escape") results.hidden = true;
    });
  }

  // -- start -------------------------------------------------------------------------------------

  showDate();
  const reveals = controls.dataset.reveal;
  loadChart()
    .then((shown) => {
      if (!shown) return;
      performance.mark("orgchart:first-chart");
      if (reveals) return reveal(reveals);
    })
    .catch((e) => say(e.message));
})();
