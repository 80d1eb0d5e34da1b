/* difflab explorer: draws the record of GET /api/graph (or the record embedded in a static export).
 *
 * Every number comes from the server's one computation (difflab.explore.model); this file only lays
 * it out: the graph (SVG, left to right), the four methods side by side, the paths to a variable,
 * the forward/backward steps and numeric's error-vs-step curve (asked of GET /api/curve when shown; a static export
 * embeds them all). State (function, point, selected
 * variable, curve) lives in the URL hash so that a view can be shared. Text from the user or the
 * server is only ever set with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  const METHODS = ["symbolic", "numeric", "forward", "reverse"];
  const SVG = "http://www.w3.org/2000/svg";
  const ROW = 92, NODE_H = 62, PAD = 24, CONST_W = 52, CONST_H = 30, GAP = 76;
  const MIN_NODE_W = 152, MAX_NODE_W = 340, CHAR_W = 7.3;  // (12 px DejaVu Sans Mono: 7.22 px a character)
  let NODE_W = MIN_NODE_W, COL = MIN_NODE_W + GAP;  // widened for the longest line a node shows (nodeWidth)
  const MIN_SCALE = 0.6;  // fitting the graph to the panel shrinks it no further (12 px text at 7 px)...
  const NARROW = window.matchMedia("(max-width: 820px)");  // ...but on a narrow screen (the panels stacked) it fits

  const $ = (id) => document.getElementById(id);
  const embedded = $("difflab-data");
  const STATIC = embedded !== null;

  const state = {
    f: "", at: {}, sel: null, curve: null,
    step: -1,            // -1: everything shown; otherwise an index into forward + backward steps
    adjointMethod: "reverse",
    fit: true,           // the graph scaled to the panel's width (down to MIN_SCALE), or at 100%
  };
  let record = null;
  let FN = "f";  // the function's name on the page: F where a variable is called f (∂f/∂f = 1 read as a tautology)
  let inflight = null;   // the AbortController of the request on its way (with .f, its function)
  let pending = false;   // the point changed while a request for the same function was on its way
  let timer = null;

  // -- numbers ---------------------------------------------------------------------------------
  function num(v) {
    if (v === null || v === undefined) return null;
    if (typeof v === "string") return Number(v);  // "NaN", "Infinity", "-Infinity"
    return v;
  }
  function fmt(v) {
    v = num(v);
    if (v === null) return "—";
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e-4 && a < 1e7) return String(Number(v.toPrecision(6)));
    return v.toExponential(3).replace("e+", "e");
  }
  function fmtShort(v) {
    v = num(v);
    if (v === null) return "—";
    if (!Number.isFinite(v) || v === 0) return fmt(v);
    return v.toExponential(1).replace("e+", "e");
  }

  // -- URL state -------------------------------------------------------------------------------
  function atString(at) {
    return Object.keys(at).map((k) => k + "=" + at[k]).join(",");
  }
  function parseAt(text) {
    const at = {};
    (text || "").split(",").forEach((part) => {
      const i = part.indexOf("=");
      if (i > 0) {
        const v = Number(part.slice(i + 1));
        if (Number.isFinite(v)) at[part.slice(0, i).trim()] = v;
      }
    });
    return at;
  }
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    return { f: p.get("f"), at: p.has("at") ? parseAt(p.get("at")) : null, sel: p.get("sel"), curve: p.get("curve") };
  }
  function writeHash() {
    const p = new URLSearchParams();
    p.set("f", state.f);
    p.set("at", atString(state.at));
    if (state.sel) p.set("sel", state.sel);
    if (state.curve) p.set("curve", state.curve);
    history.replaceState(null, "", "#" + p.toString());
  }

  // -- talking to the server -------------------------------------------------------------------
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(request, delay);
  }
  function request() {
    if (STATIC) return;
    if (inflight && inflight.f === state.f) {
      // a slider drag: one request at a time, the newest point next (the server is not flooded)
      pending = true;
      return;
    }
    if (inflight) inflight.abort();  // a new function: the old answer is of no use
    const controller = new AbortController();
    controller.f = state.f;
    inflight = controller;
    pending = false;
    const f = state.f, at = atString(state.at);
    document.body.dataset.state = "loading";
    setStatus("computing…");
    fetch("api/graph?f=" + encodeURIComponent(f) + "&at=" + encodeURIComponent(at), { signal: controller.signal })
      .then((r) => r.json().then((body) => ({ status: r.status, body: body })))
      .then(({ status, body }) => {
        if (inflight !== controller) return;
        inflight = null;
        if (pending) { request(); return; }  // the point moved on while this one was computed
        if (status === 200) {
          showParseError(null);
          setStatus("");
          record = body;
          adopt(record);
          render();  // marks the page rendered for the adopted state
          return;
        } else if (body.error && body.error.field === "f") {
          showParseError(body.error);
          setStatus("");
          document.body.dataset.state = "error";
        } else {
          setStatus(body.error ? body.error.message : "the server answered " + status, true);
          document.body.dataset.state = "error";
        }
        document.body.dataset.rendered = f + "|" + at;
      })
      .catch((err) => {
        if (err.name === "AbortError") return;
        inflight = null;
        pending = false;
        setStatus("no answer from the explorer's server (" + err.message + "); is `difflab explore` still running?", true);
        document.body.dataset.state = "error";
      });
  }
  function setStatus(text, isError) {
    const el = $("status");
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }
  function showParseError(err) {
    const box = $("expr-error");
    $("expr").classList.toggle("invalid", !!err);
    if (!err) { box.hidden = true; return; }
    box.hidden = false;
    const pos = Math.min(err.position ?? 0, state.f.length);
    const shown = state.f.length > 160 ? state.f.slice(Math.max(0, pos - 60), pos + 60) : state.f;
    const caretAt = state.f.length > 160 ? pos - Math.max(0, pos - 60) : pos;
    $("expr-echo").textContent = shown + "\n" + " ".repeat(caretAt) + "^";
    $("expr-message").textContent = err.message;
  }

  // the record's variables and point become the controls' state (new variables start at 1)
  function adopt(rec) {
    const at = {};
    rec.variables.forEach((n) => { at[n] = num(rec.point[n]); });
    state.at = at;
    if (state.sel && !rec.variables.includes(state.sel)) state.sel = null;
    if (state.curve && !rec.variables.includes(state.curve)) state.curve = null;
    const total = rec.forward_steps.length + rec.backward_steps.length;
    if (state.step >= total) state.step = -1;
  }

  // -- rendering -------------------------------------------------------------------------------
  function render() {
    if (!record) return;
    FN = ["f", "F", "f₀"].find((name) => !record.variables.includes(name)) || "f";
    document.querySelectorAll(".fn").forEach((e) => { e.textContent = FN; });
    renderVars();
    renderGraph();
    renderSteps();
    renderMethods();
    renderPaths();
    renderCurve();
    renderWarnings();
    writeHash();
    document.body.dataset.state = "ready";
    document.body.dataset.rendered = state.f + "|" + atString(state.at);
  }

  function el(tag, attrs, text) {
    const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderVars() {
    const box = $("vars");
    const names = record.variables;
    const have = Array.from(box.children).map((c) => c.dataset.name);
    if (have.join(",") !== names.join(",")) {
      box.textContent = "";
      names.forEach((n) => {
        const row = el("div", { class: "var", "data-name": n });
        const button = el("button", { type: "button", class: "var-name", id: "select-" + n, title: "show every path from " + FN + " to " + n }, n);
        button.addEventListener("click", () => select(n));
        const slider = el("input", { type: "range", id: "slider-" + n, step: "0.01", "aria-label": n });
        const field = el("input", { type: "number", id: "value-" + n, step: "any", "aria-label": n + " value" });
        slider.addEventListener("input", () => { setVar(n, Number(slider.value), "slider"); });
        field.addEventListener("change", () => { if (field.value !== "" && Number.isFinite(Number(field.value))) setVar(n, Number(field.value), "field"); });
        field.addEventListener("keydown", (ev) => { if (ev.key === "Enter") field.dispatchEvent(new Event("change")); });
        if (STATIC) { slider.disabled = true; field.readOnly = true; }
        row.append(button, slider, field);
        box.append(row);
      });
    }
    names.forEach((n) => {
      const v = state.at[n];
      const slider = $("slider-" + n), field = $("value-" + n);
      const span = Math.max(5, 2 * Math.abs(v));
      if (!(v >= Number(slider.min) && v <= Number(slider.max)) || document.activeElement !== slider) {
        if (document.activeElement !== slider) {
          slider.min = String(Math.floor(Math.min(-span, v - span)));
          slider.max = String(Math.ceil(Math.max(span, v + span)));
        }
      }
      slider.value = String(v);
      if (document.activeElement !== field) field.value = String(v);
      $("select-" + n).classList.toggle("selected", state.sel === n);
    });
  }

  function setVar(name, value, source) {
    state.at[name] = value;
    if (source !== "field") $("value-" + name).value = String(value);
    if (source !== "slider") $("slider-" + name).value = String(value);
    writeHash();
    schedule(source === "slider" ? 30 : 0);
  }

  function select(name) {
    state.sel = state.sel === name ? null : name;
    render();
  }

  // which node values and adjoints are visible at the current step
  function stepView() {
    const F = record.forward_steps.length, B = record.backward_steps.length;
    const view = { known: null, adjoint: null, current: null, currentEdge: null, doneEdges: new Set() };
    if (state.step < 0) return view;
    if (state.step < F) {
      view.known = new Set(record.forward_steps.slice(0, state.step + 1));
      record.nodes.forEach((n) => { if (n.kind === "const") view.known.add(n.id); });
      view.current = record.forward_steps[state.step];
      view.adjoint = {};
      return view;
    }
    const b = state.step - F;
    view.adjoint = {};
    view.adjoint[record.output] = 1;
    view.partial = new Set();  // nodes whose adjoint has more terms to come (a sum so far, not the derivative)
    const terms = termCounts(), seen = {};
    for (let i = 0; i <= b && i < B; i++) {
      const s = record.backward_steps[i];
      const from = record.edges[s.edge].from;
      view.adjoint[from] = s.total;
      seen[from] = (seen[from] || 0) + 1;
      if (seen[from] < terms[from]) view.partial.add(from); else view.partial.delete(from);
      view.doneEdges.add(s.edge);
    }
    view.currentEdge = record.backward_steps[b].edge;
    return view;
  }

  // how many backward steps add a term to each node's adjoint (one per edge out of it)
  function termCounts() {
    const terms = {};
    record.backward_steps.forEach((s) => { const from = record.edges[s.edge].from; terms[from] = (terms[from] || 0) + 1; });
    return terms;
  }

  function pathEdges() {
    const on = new Set(), nodes = new Set();
    if (state.sel && record.paths[state.sel]) {
      record.paths[state.sel].paths.forEach((p) => { p.edges.forEach((k) => on.add(k)); p.nodes.forEach((n) => nodes.add(n)); });
    }
    return { on, nodes };
  }

  function renderGraph() {
    const svg = $("graph");
    svg.textContent = "";
    const perLayer = record.layer_sizes;  // nodes and the waypoints of edges that cross the layer
    const rows = Math.max(1, record.rows);
    NODE_W = nodeWidth();
    COL = NODE_W + GAP;
    const width = PAD * 2 + (record.layers - 1) * COL + NODE_W;
    const height = PAD * 2 + (rows - 1) * ROW + NODE_H;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    const slot = (layer, row) => ({ x: PAD + layer * COL, y: PAD + (rows - perLayer[layer]) * ROW / 2 + row * ROW });
    const pos = {};
    record.nodes.forEach((n) => { pos[n.id] = slot(n.layer, n.row); });
    const defs = el("svg:defs");
    [["arrow", "#8892a0"], ["arrow-path", "#c2410c"], ["arrow-current", "#7c3aed"]].forEach(([id, colour]) => {
      // fixed size in user units: a thick highlighted edge keeps a normal arrowhead
      const marker = el("svg:marker", { id: id, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "9", markerHeight: "9",
                                         markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" });
      marker.append(el("svg:path", { d: "M0,0 L10,5 L0,10 z", fill: colour }));
      defs.append(marker);
    });
    svg.append(defs);

    const view = stepView();
    const paths = pathEdges();
    const byId = {};
    record.nodes.forEach((n) => { byId[n.id] = n; });
    const adjoints = record.methods[state.adjointMethod].adjoint;

    // edges first, under the nodes; a pair joined twice (x*x) bends apart
    const seen = {}, arity = {}, lines = [], labels = [], boxes = [];
    const labelLayer = el("svg:g", { class: "labels" });
    record.edges.forEach((e) => { arity[e.to] = (arity[e.to] || 0) + 1; });
    record.edges.forEach((e, k) => {
      const a = pos[e.from], b = pos[e.to];
      const key = e.from + ">" + e.to;
      const bend = seen[key] === undefined ? 0 : 16;
      seen[key] = k;
      const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2 + (bend ? 8 : 0);  // (a constant's box ends there too)
      const x2 = b.x, y2 = b.y + NODE_H / 2 + (e.arg - (arity[e.to] - 1) / 2) * 14;  // arguments in order, top down
      // an edge that skips layers runs straight through its own slot in each (model._layout's waypoints)
      const stops = e.via.map(([layer, row]) => slot(layer, row)).map((p) => [p.x, p.y + NODE_H / 2]);
      const ex1 = stops.length ? stops[0][0] : x2, ey1 = stops.length ? stops[0][1] : y2;
      const mx = (x1 + ex1) / 2;
      let d = "M" + x1 + "," + y1;
      let [cx, cy] = [x1, y1];
      stops.forEach(([sx, sy]) => {
        const m = (cx + sx) / 2;
        d += " C" + m + "," + cy + " " + m + "," + sy + " " + sx + "," + sy + " L" + (sx + NODE_W) + "," + sy;
        [cx, cy] = [sx + NODE_W, sy];
      });
      const m2 = (cx + x2) / 2;
      d += " C" + m2 + "," + (cy + (stops.length ? 0 : bend * 2)) + " " + m2 + "," + (y2 + bend * 2) + " " + (x2 - 2) + "," + y2;
      const cls = ["edge"];
      if (byId[e.from].kind === "const") cls.push("const");
      if (paths.on.has(k)) cls.push("on-path");
      if (view.doneEdges.has(k)) cls.push("done");
      if (view.currentEdge === k) cls.push("current");
      const g = el("svg:g", { class: cls.join(" "), id: "edge-" + k, "data-from": e.from, "data-to": e.to });
      const head = view.currentEdge === k ? "arrow-current" : paths.on.has(k) ? "arrow-path" : "arrow";
      const line = el("svg:path", { d: d, "marker-end": "url(#" + head + ")" });
      g.append(line);
      lines.push(line);
      if (e.partial !== null && byId[e.from].kind !== "const") {
        // (in one layer over every line: a later edge's line ran through an earlier edge's label)
        const label = el("svg:text", { x: mx, y: (y1 + ey1) / 2, "text-anchor": "middle", id: "label-" + k, "data-edge": k,
                                       class: ["partial"].concat(cls.slice(1)).join(" ") }, fmt(e.partial));
        label.append(el("svg:title", {}, "local partial ∂" + byId[e.to].name + "/∂" + byId[e.from].name + " = " + fmt(e.partial)));
        labelLayer.append(label);
        labels.push({ label: label, line: line, k: k });
      }
      svg.append(g);
    });
    svg.append(labelLayer);

    record.nodes.forEach((n) => {
      const p = pos[n.id];
      const cls = ["node", n.kind];
      if (n.id === record.output) cls.push("output");
      if (n.warning) cls.push(n.warning.startsWith("Kink:") ? "kink" : "warn");  // a kink is a convention, not an error
      if (paths.nodes.has(n.id)) cls.push("on-path");
      if (view.known && !view.known.has(n.id)) cls.push("pending");
      if (view.current === n.id) cls.push("current");
      const g = el("svg:g", { class: cls.join(" "), id: "node-" + n.id, transform: "translate(" + p.x + "," + p.y + ")" });
      if (n.kind === "const" && n.id !== record.output) {
        // a constant is a small leaf just before its user
        g.setAttribute("transform", "translate(" + (p.x + NODE_W - CONST_W) + "," + (p.y + (NODE_H - CONST_H) / 2) + ")");
        g.append(el("svg:rect", { width: CONST_W, height: CONST_H, rx: 8 }));
        boxes.push({ x: p.x + NODE_W - CONST_W, y: p.y + (NODE_H - CONST_H) / 2, w: CONST_W, h: CONST_H });
        g.append(el("svg:text", { x: CONST_W / 2, y: CONST_H / 2 + 4, "text-anchor": "middle", class: "title" }, n.label));
        g.append(el("svg:title", {}, n.text));
        svg.append(g);
        return;
      }
      g.append(el("svg:rect", { width: NODE_W, height: NODE_H, rx: 8 }));
      boxes.push({ x: p.x, y: p.y, w: NODE_W, h: NODE_H });
      const title = n.kind === "op" ? n.name + " = " + n.label : n.kind === "input" ? n.name : n.label;
      g.append(el("svg:text", { x: 9, y: 18, class: "title" }, title + (n.id === record.output ? "   → " + FN : "")));
      if (n.kind !== "const") {
        const known = !view.known || view.known.has(n.id);
        g.append(el("svg:text", { x: 9, y: 35, class: "value" }, "= " + (known ? fmt(n.value) : "?")));
        let adj = null;
        if (view.adjoint) adj = view.adjoint[n.id] !== undefined ? fmt(view.adjoint[n.id]) + (view.partial && view.partial.has(n.id) ? " +…" : "") : "?";
        else if (adjoints[n.id] !== undefined) adj = fmt(adjoints[n.id]);
        if (adj !== null && record.variables.length) g.append(el("svg:text", { x: 9, y: 52, class: "adj" }, "∂" + FN + "/∂" + n.name + " = " + adj));
      }
      const tip = [n.text, "value " + fmt(n.value)];
      METHODS.forEach((m) => { if (record.methods[m].adjoint[n.id] !== undefined) tip.push("∂" + FN + "/∂" + n.name + " by " + m + ": " + fmt(record.methods[m].adjoint[n.id])); });
      if (n.warning) tip.push(n.warning);  // "Category: message"
      g.append(el("svg:title", {}, tip.join("\n")));
      if (n.kind === "input") g.addEventListener("click", () => select(n.name));
      svg.append(g);
      g.querySelectorAll(":scope > text").forEach((t) => fitText(t, NODE_W - 14));
    });
    placeLabels(labels, lines, boxes);
    svg.dataset.width = width;
    svg.dataset.height = height;
    fitGraph();
  }

  // Every node as wide as the longest line any node shows (its title, value, or adjoint by any method; a stepping
  // sum's "+…" is squeezed in by fitText): ∂f/∂learning_rate = 2.25 ran out of its box, and ∂f/∂momentum_term =
  // -0.333333 into the partial beside it.
  function nodeWidth() {
    let most = 0;
    record.nodes.forEach((n) => {
      if (n.kind === "const") return;
      const lines = [n.name + " = " + n.label + "   → " + FN, "= " + fmt(n.value)];
      METHODS.forEach((m) => { lines.push("∂" + FN + "/∂" + n.name + " = " + fmt(record.methods[m].adjoint[n.id])); });
      lines.forEach((t) => { most = Math.max(most, t.length); });
    });
    return Math.min(MAX_NODE_W, Math.max(MIN_NODE_W, Math.ceil(most * CHAR_W + 18)));
  }

  // a line still too long for its node (past MAX_NODE_W) is squeezed into it, never drawn past its edge
  function fitText(text, width) {
    if (text.getComputedTextLength() > width) {
      text.setAttribute("textLength", width);
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  }

  // A line of ours (M, L and C commands, absolute) as a polyline with its lengths along it: the browser's
  // getPointAtLength took 15 of the 16 s a 41-variable page took to open (placeLabels samples every line every 3 px)
  function polyline(line) {
    const tok = line.getAttribute("d").match(/[MLC]|-?[\d.]+(?:e[-+]?\d+)?/g), pts = [];
    for (let i = 0; i < tok.length;) {
      const c = tok[i++];
      if (c !== "C") {
        pts.push([+tok[i], +tok[i + 1]]);
        i += 2;
        continue;
      }
      const [x0, y0] = pts[pts.length - 1], [x1, y1, x2, y2, x3, y3] = tok.slice(i, i + 6).map(Number);
      i += 6;
      for (let k = 1; k <= 32; k++) {  // (32 chords per curve: within a fraction of a pixel at these sizes)
        const u = k / 32, v = 1 - u;
        pts.push([v * v * v * x0 + 3 * v * v * u * x1 + 3 * v * u * u * x2 + u * u * u * x3,
                  v * v * v * y0 + 3 * v * v * u * y1 + 3 * v * u * u * y2 + u * u * u * y3]);
      }
    }
    const at = [0];
    for (let k = 1; k < pts.length; k++) at.push(at[k - 1] + Math.hypot(pts[k][0] - pts[k - 1][0], pts[k][1] - pts[k - 1][1]));
    const point = (t) => {  // the point at length t along the line
      let lo = 0, hi = at.length - 1;
      while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (at[mid] <= t) lo = mid; else hi = mid; }
      const f = at[hi] > at[lo] ? Math.min(1, Math.max(0, (t - at[lo]) / (at[hi] - at[lo]))) : 0;
      return { x: pts[lo][0] + f * (pts[hi][0] - pts[lo][0]), y: pts[lo][1] + f * (pts[hi][1] - pts[lo][1]) };
    };
    return { length: at[at.length - 1], point: point };
  }

  // Each edge's partial sits on its own line (the white halo cuts the line: it reads as that edge's), at the point
  // of the line where it overlaps no other label and no node and covers the least of other lines; labels at the
  // lines' midpoints overlapped where edges fan out of one node (x's four partials in sin(x)*exp(-x^2/y) + ...).
  function placeLabels(labels, lines, boxes) {
    const STEP = 3, PADX = 2, H = 13, CELL = 32;
    const polys = new Map(lines.map((line) => [line, polyline(line)]));
    // every line's points every STEP px, kept in a grid of CELL-px cells: a candidate counts the points near it by
    // reading the few cells it covers, not every point of every line
    const grid = new Map();
    lines.forEach((line, j) => {
      const poly = polys.get(line);
      for (let t = 0; t <= poly.length; t += STEP) {
        const q = poly.point(t), key = Math.floor(q.x / CELL) + "," + Math.floor(q.y / CELL);
        if (!grid.has(key)) grid.set(key, []);
        grid.get(key).push([q.x, q.y, j]);
      }
    });
    const near = (r, own) => {  // points of other lines within 6 px of rectangle r
      let count = 0;
      for (let cx = Math.floor((r.x - 6) / CELL); cx <= Math.floor((r.x + r.w + 6) / CELL); cx++) {
        for (let cy = Math.floor((r.y - 6) / CELL); cy <= Math.floor((r.y + r.h + 6) / CELL); cy++) {
          (grid.get(cx + "," + cy) || []).forEach(([x, y, j]) => {
            if (j !== own && x > r.x - 6 && x < r.x + r.w + 6 && y > r.y - 6 && y < r.y + r.h + 6) count += 1;
          });
        }
      }
      return count;
    };
    const placed = [];
    const hit = (r, b) => r.x < b.x + b.w && b.x < r.x + r.w && r.y < b.y + b.h && b.y < r.y + r.h;
    // the shortest lines have the fewest places: they choose first
    labels.slice().sort((a, b) => polys.get(a.line).length - polys.get(b.line).length).forEach((item) => {
      const n = polys.get(item.line).length;
      const w = item.label.getComputedTextLength() + 2 * PADX;
      const margin = Math.min(n / 2, 16 + w / 2);  // clear of the arrowhead and of the node the line leaves
      const own = lines.indexOf(item.line);
      let best = null;
      for (let i = 0; i <= 24; i++) {
        const f = 0.5 + (i % 2 ? 1 : -1) * Math.ceil(i / 2) / 24;  // the middle first, then outwards
        const t = margin + f * (n - 2 * margin);
        const p = polys.get(item.line).point(t);
        const r = { x: p.x - w / 2, y: p.y - H / 2, w: w, h: H };
        let score = Math.abs(f - 0.5);  // (prefer the middle)
        if (placed.some((b) => hit(r, b))) score += 1000;
        if (boxes.some((b) => hit(r, b))) score += 1000;
        score += near(r, own);
        if (best === null || score < best.score) best = { score: score, x: p.x, y: p.y, r: r };
      }
      item.label.setAttribute("x", best.x.toFixed(1));
      item.label.setAttribute("y", (best.y + 4).toFixed(1));  // (the baseline: the digits centred on the line)
      // a white card under the digits: the line stops at the label (a halo alone let it show between the glyphs)
      item.label.before(el("svg:rect", { x: best.r.x.toFixed(1), y: best.r.y.toFixed(1), width: best.r.w.toFixed(1), height: H, rx: 3, class: "card" }));
      placed.push(best.r);
    });
  }

  // the graph at the panel's width (never above 100%, never below MIN_SCALE: wider scrolls; on a narrow screen it
  // fits whatever its width, and "100%" shows it full size, scrolled in its panel), or at 100%
  function fitGraph() {
    const svg = $("graph"), w = Number(svg.dataset.width), h = Number(svg.dataset.height);
    if (!w) return;
    const avail = svg.parentNode.clientWidth;
    const least = NARROW.matches ? 0 : MIN_SCALE;
    const scale = state.fit && avail > 0 ? Math.max(least, Math.min(1, avail / w)) : 1;
    svg.setAttribute("width", (w * scale).toFixed(1));
    svg.setAttribute("height", (h * scale).toFixed(1));
    const button = $("graph-fit");
    button.setAttribute("aria-pressed", String(state.fit));
    button.textContent = state.fit ? "fit width: " + Math.round(scale * 100) + "%" : "100%";
    button.title = state.fit ? "the graph scaled to the panel; click for 100%" : "the graph at 100%; click to fit it to the panel";
    button.disabled = !state.fit && avail >= w;  // nothing to fit
  }

  function renderSteps() {
    const F = record.forward_steps.length, B = record.backward_steps.length;
    const text = $("step-text");
    $("step-back").disabled = state.step < 0;
    $("step-reset").disabled = state.step < 0;
    $("step-next").disabled = state.step >= F + B - 1;
    $("step-end").disabled = state.step >= F + B - 1;
    // the steps are reverse mode's sweep, whatever the menu said (it changed nothing while stepping)
    const menu = $("adjoint-method");
    menu.disabled = state.step >= 0;
    menu.title = state.step >= 0 ? "stepping shows reverse mode's sweep; reset to compare the methods' adjoints" : "";
    if (state.step < 0) {
      text.textContent = F + B ? "Forward pass: " + F + " steps, then backward: " + B + ". Press step ▶." : "A constant: nothing to step through.";
      return;
    }
    const byId = {};
    record.nodes.forEach((n) => { byId[n.id] = n; });
    if (state.step < F) {
      const n = byId[record.forward_steps[state.step]];
      text.textContent = "forward " + (state.step + 1) + "/" + F + ":  " + n.text + " = " + fmt(n.value);
      return;
    }
    const s = record.backward_steps[state.step - F];
    const e = record.edges[s.edge];
    const to = byId[e.to].name, from = byId[e.from].name;
    const terms = termCounts()[e.from];
    let term = 0;
    for (let i = 0; i <= state.step - F; i++) if (record.edges[record.backward_steps[i].edge].from === e.from) term++;
    const sofar = terms > 1 ? (term < terms ? ", term " + term + " of " + terms + ": more to come" : ", all " + terms + " terms") : "";
    text.textContent = "backward " + (state.step - F + 1) + "/" + B + ":  ∂" + FN + "/∂" + from + " += ∂" + FN + "/∂" + to + " · ∂" + to + "/∂" + from +
      " = " + fmt(s.upstream) + " × " + fmt(s.partial) + " = " + fmt(s.product) + "   (∂" + FN + "/∂" + from + " now " + fmt(s.total) + sofar + ")";
  }

  // the record's verdict (model._agreement): exact and exact-to-rounding are both green
  const VERDICT_CLASS = { exact: "agree", rounding: "agree rounding", close: "close", off: "off", nan: "nan", failed: "failed" };
  function errorClass(m, name) {
    return VERDICT_CLASS[(record.methods[m].agreement || {})[name]] || "";
  }
  function ulpText(u) {
    u = num(u);
    return u < 10 ? String(Math.round(u * 10) / 10) : String(Math.round(u));
  }

  function renderMethods() {
    const table = $("methods");
    table.textContent = "";
    const head = el("tr");
    head.append(el("th", {}, "variable"));
    METHODS.forEach((m) => head.append(el("th", {}, m)));
    head.append(el("th", {}, "exact"));
    table.append(head);
    record.variables.forEach((n) => {
      const tr = el("tr", { id: "row-" + n });
      const name = el("td", {});
      const b = el("button", { type: "button", class: "var-name" + (state.sel === n ? " selected" : "") }, "∂" + FN + "/∂" + n);
      b.addEventListener("click", () => select(n));
      name.append(b);
      tr.append(name);
      METHODS.forEach((m) => {
        const info = record.methods[m];
        const td = el("td", { id: "grad-" + m + "-" + n, class: errorClass(m, n), "data-value": String(info.grad[n] ?? ""), "data-label": m });
        if (info.error) {
          td.append(el("span", { class: "val" }, "failed"), el("span", { class: "err" }, info.error.slice(0, 80)));
          td.title = info.error;
        } else {
          td.append(el("span", { class: "val" }, fmt(info.grad[n])));
          const err = info.abs_error[n];
          const verdict = (info.agreement || {})[n];
          const label = err === null ? "" : verdict === "nan" ? "NaN, as the reference"
            : num(err) === 0 ? "exact"
            : "Δ " + fmtShort(err);
          td.append(el("span", { class: "err" }, label));
          if (verdict === "rounding") td.append(el("span", { class: "err ulps" }, ulpText(info.ulps[n]) + (num(info.ulps[n]) === 1 ? " ulp: rounding" : " ulps: rounding")));
        }
        if (m === "numeric" && info.step) {
          td.classList.add("numeric");
          if (state.curve === n) td.classList.add("active");
          td.id = "grad-numeric-" + n;
          td.append(el("span", { class: "numinfo", id: "numeric-info-" + n }, "h " + fmtShort(info.step[n]) + " · est " + fmtShort(info.error_estimate[n])));
          td.title = "click: error against step h";
          td.addEventListener("click", () => { state.curve = state.curve === n ? null : n; render(); });
        }
        tr.append(td);
      });
      const ref = el("td", { class: "ref", id: "grad-reference-" + n, "data-label": "exact" });
      ref.append(el("span", { class: "val" }, fmt(record.reference.grad[n])));
      tr.append(ref);
      table.append(tr);
    });
    $("reference-note").textContent = record.variables.length
      ? "Exact reference: " + (record.reference.name || "none") + ". Green: equal to it, or equal to float64 rounding (Δ at most " + record.rounding_ulps +
        " ulps, units in the last place: 2 per operation); yellow: within 1e-6·max(1, |exact|); red: off. " +
        "Numeric shows its step h and its own error estimate; click it for the error against the step."
      : "A constant: nothing to differentiate.";
  }

  function renderPaths() {
    const box = $("paths");
    box.textContent = "";
    if (!state.sel || !record.paths[state.sel]) {
      $("paths-title").textContent = "Paths";
      box.append(el("p", { class: "note" }, "Click a variable (its name or its node) to see every path from " + FN + " back to it."));
      return;
    }
    const info = record.paths[state.sel];
    const byId = {};
    record.nodes.forEach((n) => { byId[n.id] = n; });
    $("paths-title").textContent = "Paths from " + FN + " back to " + state.sel + " (" + info.count + ")";
    const list = el("ol", { id: "path-list" });
    const pairs = {};  // from>to -> how many edges (x*x joins x to its product twice)
    record.edges.forEach((e) => { pairs[e.from + ">" + e.to] = (pairs[e.from + ">" + e.to] || 0) + 1; });
    info.paths.forEach((p) => {
      const names = p.nodes.map((id) => (id === record.output ? FN : byId[id].name));
      let chain = names[0];
      p.edges.forEach((k, i) => {
        const e = record.edges[k];
        // a pair joined twice: say which argument this path goes through
        chain += (pairs[e.from + ">" + e.to] > 1 ? " ←(arg " + (e.arg + 1) + ") " : " ← ") + names[i + 1];
      });
      const factors = p.factors.length ? p.factors.map(fmt).join(" × ") + " = " : "";
      list.append(el("li", { class: "path" }, chain + "   " + factors + fmt(p.product)));
    });
    box.append(list);
    const sum = info.complete
      ? "∂" + FN + "/∂" + state.sel + " = sum over " + info.count + (info.count === 1 ? " path" : " paths") + " = " + fmt(info.sum)
      : "showing " + info.listed + " of " + info.count + " paths (sum of those: " + fmt(info.sum) + "); ∂" + FN + "/∂" + state.sel + " = " + fmt(record.methods.reverse.grad[state.sel]);
    box.append(el("p", { class: "sum", id: "path-sum" }, sum));
  }

  function renderWarnings() {
    const list = $("warnings");
    list.textContent = "";
    // each names its category and where it arose: a node id (its text) or a method
    const text = {};
    record.nodes.forEach((n) => { text[n.id] = n.text; });
    record.warnings.forEach((w) => list.append(el("li", w.category === "Kink" ? { class: "kink" } : {}, w.category + " at " + (text[w.where] || w.where) + ": " + w.message)));
  }

  // numeric's curve of one variable: the served record has none (45 central differences per variable were most of a
  // record's time with many variables); it is asked of /api/curve when shown, and kept on the record it belongs to
  function fetchCurve(rec, v) {
    rec.curveAsked = rec.curveAsked || {};
    if (rec.curveAsked[v]) return;
    rec.curveAsked[v] = true;
    const q = "f=" + encodeURIComponent(rec.expression) + "&at=" + encodeURIComponent(atString(rec.point)) + "&var=" + encodeURIComponent(v);
    fetch("api/curve?" + q)
      .then((r) => r.json().then((body) => ({ status: r.status, body: body })))
      .then(({ status, body }) => {
        if (status === 200) rec.curves[v] = body;
        else rec.curveAsked[v] = (body.error && body.error.message) || "the server answered " + status;
      })
      .catch((err) => { rec.curveAsked[v] = "no answer from the explorer's server (" + err.message + ")"; })
      .then(() => { if (record === rec && state.curve === v) renderCurve(); });
  }

  function renderCurve() {
    const panel = $("curve-panel");
    document.body.dataset.curve = "";
    if (!state.curve || !record.variables.includes(state.curve) || (STATIC && !record.curves[state.curve])) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    const c = record.curves[state.curve];
    $("curve-title").textContent = "Numeric (central differences): error in ∂" + FN + "/∂" + state.curve + " against the step h";
    const svg = $("curve");
    svg.textContent = "";
    if (!c) {
      const asked = (record.curveAsked || {})[state.curve];
      $("curve-note").textContent = typeof asked === "string" ? "The curve could not be computed: " + asked : "computing the curve…";
      if (!asked) fetchCurve(record, state.curve);
      return;
    }
    const W = 540, H = 300, L = 58, R = 14, T = 14, B = 40;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const FLOOR = 1e-17;
    const pts = c.steps.map((h, i) => ({ h: h, e: num(c.errors[i]) })).filter((p) => Number.isFinite(p.e));
    const lx = pts.map((p) => Math.log10(p.h));
    const ly = pts.map((p) => Math.log10(Math.max(p.e, FLOOR)));
    const x0 = Math.floor(Math.min(...lx, Math.log10(c.default_step))), x1 = Math.ceil(Math.max(...lx, Math.log10(c.default_step)));
    const y0 = Math.floor(Math.min(...ly, -17)), y1 = Math.ceil(Math.max(...ly, -8));
    const sx = (v) => L + (v - x0) / (x1 - x0 || 1) * (W - L - R);
    const sy = (v) => T + (y1 - v) / (y1 - y0 || 1) * (H - T - B);
    const axis = el("svg:g", { class: "axis" });
    for (let d = x0; d <= x1; d += 1) {
      if ((d - x0) % 3 === 0 || d === x1) {
        axis.append(el("svg:line", { x1: sx(d), x2: sx(d), y1: T, y2: H - B, class: "grid" }));
        axis.append(el("svg:text", { x: sx(d), y: H - B + 15, "text-anchor": "middle" }, "1e" + d));
      }
    }
    for (let d = y0; d <= y1; d += 1) {
      if ((d - y0) % 3 === 0 || d === y1) {
        axis.append(el("svg:line", { x1: L, x2: W - R, y1: sy(d), y2: sy(d), class: "grid" }));
        axis.append(el("svg:text", { x: L - 6, y: sy(d) + 4, "text-anchor": "end" }, "1e" + d));
      }
    }
    axis.append(el("svg:path", { d: "M" + L + "," + T + " V" + (H - B) + " H" + (W - R), fill: "none" }));
    axis.append(el("svg:text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, "step h"));
    axis.append(el("svg:text", { x: 12, y: (T + H - B) / 2, transform: "rotate(-90 12 " + (T + H - B) / 2 + ")", "text-anchor": "middle" }, "|error| vs exact"));
    svg.append(axis);
    // lines join neighbouring nonzero errors only; an exactly right step is a hollow point on the floor
    let d = "";
    pts.forEach((p, i) => {
      if (p.e < FLOOR) return;
      const joined = i > 0 && pts[i - 1].e >= FLOOR;
      d += (joined ? " L" : " M") + sx(lx[i]) + "," + sy(ly[i]);
    });
    svg.append(el("svg:path", { class: "series", d: d.trim() }));
    pts.forEach((p, i) => {
      const dot = el("svg:circle", { class: "pt" + (p.e < FLOOR ? " floor" : ""), cx: sx(lx[i]), cy: sy(ly[i]), r: 2.6 });
      dot.append(el("svg:title", {}, "h = " + fmtShort(p.h) + ": |error| = " + (p.e === 0 ? "0 (exact)" : fmtShort(p.e))));
      svg.append(dot);
    });
    const dg = el("svg:g", { class: "default", id: "curve-default" });
    const dx = sx(Math.log10(c.default_step));
    const de = num(c.default_error);
    dg.append(el("svg:line", { x1: dx, x2: dx, y1: T, y2: H - B }));
    if (de !== null && Number.isFinite(de)) dg.append(el("svg:circle", { cx: dx, cy: sy(Math.log10(Math.max(de, FLOOR))), r: 5 }));
    dg.append(el("svg:text", { x: dx + 6, y: T + 12 }, "default h = " + fmtShort(c.default_step)));
    svg.append(dg);
    $("curve-note").textContent = "Truncation error falls as h² while rounding error grows as ε·|f|/h; the default step " +
      fmtShort(c.default_step) + " (≈ ε^(1/3)·max(1,|" + state.curve + "|)) sits near the bottom of the V. Its error here: " +
      (de === 0 ? "0 (exact)" : fmtShort(de)) + "; numeric's own estimate: " + fmtShort(record.methods.numeric.error_estimate[state.curve]) +
      ". Hollow points at the bottom: exactly right." ;
    document.body.dataset.curve = state.curve;  // (tests wait for it: the curve arrives after the record)
  }

  // -- controls --------------------------------------------------------------------------------
  function stepTo(s) {
    const total = record.forward_steps.length + record.backward_steps.length;
    state.step = Math.max(-1, Math.min(total - 1, s));
    renderGraph();
    renderSteps();
  }

  function init() {
    const select = $("adjoint-method");
    METHODS.forEach((m) => select.append(el("option", { value: m }, m)));
    select.value = state.adjointMethod;
    select.addEventListener("change", () => { state.adjointMethod = select.value; renderGraph(); });
    $("graph-fit").addEventListener("click", () => { state.fit = !state.fit; fitGraph(); });
    window.addEventListener("resize", fitGraph);
    $("step-next").addEventListener("click", () => stepTo(state.step + 1));
    $("step-back").addEventListener("click", () => stepTo(state.step - 1));
    $("step-reset").addEventListener("click", () => stepTo(-1));
    $("step-end").addEventListener("click", () => stepTo(record.forward_steps.length + record.backward_steps.length - 1));

    const input = $("expr");
    const hash = readHash();
    if (STATIC) {
      record = JSON.parse(embedded.textContent);
      state.f = record.expression;
      input.value = state.f;
      input.readOnly = true;
      $("static-note").hidden = false;
      adopt(record);
      if (hash.sel && record.variables.includes(hash.sel)) state.sel = hash.sel;
      if (hash.curve && record.variables.includes(hash.curve)) state.curve = hash.curve;
      render();
      return;
    }
    state.f = hash.f || "(4*x+1)^2";
    state.at = hash.at || {};
    state.sel = hash.sel;
    state.curve = hash.curve;
    input.value = state.f;
    input.addEventListener("input", () => {
      state.f = input.value;  // kept exactly as typed
      state.step = -1;
      schedule(250);
    });
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { state.f = input.value; schedule(0); } });
    window.addEventListener("hashchange", () => {
      const h = readHash();
      if (h.f !== null && (h.f !== state.f || atString(h.at || {}) !== atString(state.at))) {
        state.f = h.f; state.at = h.at || {}; state.sel = h.sel; state.curve = h.curve;
        input.value = state.f;
        request();
      }
    });
    request();
  }

  // the page's state, for tests and for anyone embedding the page
  window.difflabExplorer = {
    state: state,
    record: () => record,
    step: stepTo,
  };
  init();
})();
