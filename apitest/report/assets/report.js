/* apitest report: draws the embedded JSON with DOM APIs.
 * Safety rule: data from the target only ever reaches the page as text (textContent / text nodes / input values);
 * no innerHTML, no attribute set from data but class names from fixed lists, no URL built from data. */
(function () {
  "use strict";

  const SEVERITIES = ["critical", "high", "medium", "low"];
  const SOURCES = ["fuzz", "contract", "load"];
  const SAFE_ATTRS = new Set(["id", "type", "placeholder", "colspan", "aria-label", "aria-live", "role", "scope", "title", "open", "hidden"]);
  const charts = [];
  const entries = [];
  const groups = [];
  const deferred = [];
  let data = null;

  function h(tag, props) {
    const node = document.createElement(tag);
    if (props) {
      for (const key of Object.keys(props)) {
        const value = props[key];
        if (value === null || value === undefined || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = String(value);
        else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else if (key === "href") {
          if (!/^#[A-Za-z0-9_-]+$/.test(value)) throw new Error("only in-page links");
          node.setAttribute("href", value);
        } else if (SAFE_ATTRS.has(key)) node.setAttribute(key, value === true ? "" : String(value));
        else throw new Error("attribute not allowed: " + key);
      }
    }
    for (let i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }

  function add(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach((c) => add(node, c));
    else node.append(child instanceof Node ? child : String(child));
  }

  function cls(prefix, value, allowed) {
    return allowed.includes(value) ? prefix + value : "";
  }

  function num(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    return Number(value).toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  function pct(value) {
    return value === null || value === undefined ? "–" : (value * 100).toLocaleString("en-US", { maximumFractionDigits: 2 }) + "%";
  }

  function when(seconds) {
    return typeof seconds === "number" ? new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "–";
  }

  function table(headers, rows, numeric) {
    const head = h("tr", null, headers.map((label, i) => h("th", { scope: "col", class: numeric && numeric[i] ? "num" : "" }, label)));
    const body = rows.map((row) => (row instanceof Node ? row : h("tr", null, row.map((cell, i) => td(cell, numeric && numeric[i])))));
    return h("div", { class: "scroll" }, h("table", null, h("thead", null, head), h("tbody", null, body)));
  }

  function td(cell, numeric) {
    if (cell instanceof Node && cell.tagName === "TD") return cell;
    return h("td", { class: numeric ? "num" : "" }, cell);
  }

  function outcome(value) {
    const klass = value === "passed" ? "pass" : value === "skipped" ? "skip" : "fail";
    return h("span", { class: klass }, value);
  }

  /* ---------- findings ---------- */

  function haystack(f) {
    const ex = f.exchange || {};
    return [f.title, f.message, f.check, f.operation, f.source, f.severity, f.suite, f.item, f.key, f.fingerprint, f.status,
      f.curl, ex.method, ex.url, ex.status, ex.request_body, ex.response_body].filter((v) => v !== null && v !== undefined).join("\n").toLowerCase();
  }

  function findingNode(f) {
    const node = h("details", { class: "finding", id: "f-" + f.index },
      h("summary", null,
        h("span", { class: "sev " + cls("sev-", f.severity, SEVERITIES) }, f.severity),
        h("span", { class: "badge src" }, f.source),
        f.status ? h("span", { class: "badge " + cls("", f.status, ["new", "persisting"]) }, f.status === "new" ? "new" : "known") : null,
        f.warning ? h("span", { class: "badge", title: "a warning: reported, fails nothing" }, "warning") : null,
        h("span", { class: "title" }, f.title),
        f.operation ? h("code", { class: "op" }, f.operation) : null,
        h("span", { class: "chk" }, f.check)));
    node.addEventListener("toggle", () => {
      if (node.open && !node.dataset.rendered) {
        node.dataset.rendered = "1";
        node.append(findingBody(f));
      }
    });
    return node;
  }

  function findingBody(f) {
    const body = h("div", { class: "body" });
    if (f.message) body.append(h("pre", { class: "message" }, f.message));
    const d = f.details || {};
    const facts = [["check", f.check], ["operation", f.operation], ["suite", f.suite], ["test item", f.item], ["key", f.key], ["fingerprint", f.fingerprint],
      ["X-Request-ID", d.request_id], ["traceparent", d.traceparent]];
    body.append(h("dl", { class: "facts" }, facts.filter((x) => x[1]).map((x) => [h("dt", null, x[0]), h("dd", { class: "mono" }, x[1])])));
    if (f.curl) body.append(copyBlock("Reproduce with curl", f.curl, "curl"));
    const steps = f.details && Array.isArray(f.details.steps) ? f.details.steps : null;
    if (steps && steps.length) {
      body.append(h("h4", null, "Steps (stateful sequence)"));
      steps.forEach((step, i) => body.append(copyBlock("Step " + (i + 1), String(step), "step")));
    }
    if (f.exchange) body.append(exchangeNode(f.exchange));
    const rest = Object.assign({}, f.details || {});
    delete rest.steps;
    delete rest.request_id;
    delete rest.traceparent;
    if (Object.keys(rest).length) body.append(h("details", null, h("summary", null, "Details"), h("pre", null, JSON.stringify(rest, null, 2))));
    return body;
  }

  function copyBlock(label, text, kind) {
    const pre = h("pre", { class: "code " + kind }, text);
    const button = h("button", { type: "button", onclick: () => copy(text, button) }, "Copy");
    return h("div", { class: "curl" }, h("h4", null, label, " ", button), pre);
  }

  function copy(text, button) {
    const done = (ok) => {
      button.textContent = ok ? "Copied" : "Select and copy";
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    };
    const fallback = () => {
      const area = h("textarea", { "aria-label": "copy buffer" });
      area.value = text;
      document.body.append(area);
      area.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      done(ok);
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(() => done(true), fallback);
    else fallback();
  }

  function prettyBody(text) {
    if (typeof text !== "string") return "";
    const trimmed = text.trim();
    if ((trimmed.startsWith("{") || trimmed.startsWith("[")) && trimmed.length < 65536) {
      try { return JSON.stringify(JSON.parse(trimmed), null, 2); } catch (e) { return text; }
    }
    return text;
  }

  function headersTable(headers) {
    const names = Object.keys(headers || {});
    if (!names.length) return h("p", { class: "empty" }, "no headers");
    return h("div", { class: "scroll" }, h("table", { class: "headers" }, h("tbody", null, names.map((n) => h("tr", null, h("td", null, n), h("td", null, headers[n]))))));
  }

  function exchangeNode(ex) {
    const request = h("div", null, h("h4", null, "Request"), h("pre", null, (ex.method || "") + " " + (ex.url || "")), headersTable(ex.request_headers),
      ex.request_body ? h("pre", null, prettyBody(ex.request_body)) : null);
    const statusLine = ex.status === null || ex.status === undefined ? "no response" : "HTTP " + ex.status + (typeof ex.elapsed_ms === "number" ? " in " + num(ex.elapsed_ms, 1) + " ms" : "");
    const response = h("div", null, h("h4", null, "Response"), h("pre", null, statusLine), headersTable(ex.response_headers),
      ex.response_body ? h("pre", null, prettyBody(ex.response_body)) : null);
    return h("div", null, h("h4", null, "Evidence (redacted, truncated)"), h("div", { class: "exchange" }, request, response));
  }

  function bySeverity(a, b) {
    return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.index - b.index;
  }

  /* Nested groups of findings: keys[0] for the outer level, keys[1] for the inner, each (f) -> label. */
  function findingGroups(findings, keys, openAll) {
    const host = h("div", { class: "groups" });
    if (!findings.length) {
      host.append(h("p", { class: "empty" }, "No findings."));
      return host;
    }
    build(host, findings, keys, openAll, null);
    return host;
  }

  function build(host, findings, keys, open, parent) {
    if (!keys.length) {
      findings.slice().sort(bySeverity).forEach((f) => {
        const entry = { f, node: findingNode(f), text: haystack(f), groups: [] };
        for (let g = parent; g; g = g.parent) entry.groups.push(g);
        entry.groups.forEach((g) => g.entries.push(entry));
        entries.push(entry);
        host.append(entry.node);
      });
      return;
    }
    const buckets = new Map();
    findings.forEach((f) => {
      const label = keys[0](f) || "(none)";
      if (!buckets.has(label)) buckets.set(label, []);
      buckets.get(label).push(f);
    });
    const labels = Array.from(buckets.keys()).sort((a, b) => worst(buckets.get(a)) - worst(buckets.get(b)) || a.localeCompare(b));
    labels.forEach((label) => {
      const list = buckets.get(label);
      const count = h("span", { class: "count" }, String(list.length));
      const node = h("details", { class: "group", open: open }, h("summary", null, h("span", { class: "mono" }, label), count));
      const group = { node, count, entries: [], parent };
      groups.push(group);
      host.append(node);
      build(node, list, keys.slice(1), open, group);
    });
  }

  function worst(list) {
    return Math.min.apply(null, list.map((f) => SEVERITIES.indexOf(f.severity)));
  }

  /* ---------- filters ---------- */

  function filterBar(total, hasBaseline) {
    const q = h("input", { type: "search", id: "q", placeholder: "Search findings: text, operation, check, fingerprint, body…", "aria-label": "search findings" });
    const source = h("select", { id: "f-source", "aria-label": "side" }, h("option", { text: "all sides" }), SOURCES.map((s) => h("option", null, s)));
    source.options[0].value = "";
    const severity = h("select", { id: "f-severity", "aria-label": "severity" }, h("option", { text: "any severity" }), SEVERITIES.map((s) => h("option", null, s === "critical" ? "critical only" : s + " and up")));
    severity.options[0].value = "";
    SEVERITIES.forEach((s, i) => { severity.options[i + 1].value = s; });
    const status = h("select", { id: "f-status", "aria-label": "baseline status", hidden: !hasBaseline }, h("option", { text: "new and known" }), h("option", { text: "new only" }), h("option", { text: "known only" }));
    status.options[0].value = ""; status.options[1].value = "new"; status.options[2].value = "persisting";
    const shown = h("span", { class: "shown", id: "shown", "aria-live": "polite" }, total + " findings");
    const openGroups = h("button", { type: "button", onclick: () => groups.forEach((g) => { g.node.open = true; }) }, "Open groups");
    const closeGroups = h("button", { type: "button", onclick: () => groups.forEach((g) => { g.node.open = false; }) }, "Close groups");
    let timer = null;
    const apply = () => {
      const text = q.value.trim().toLowerCase();
      const terms = text ? text.split(/\s+/) : [];
      const minRank = severity.value ? SEVERITIES.indexOf(severity.value) : 99;
      let visible = 0;
      groups.forEach((g) => { g.visible = 0; });
      entries.forEach((e) => {
        const f = e.f;
        const ok = (!source.value || f.source === source.value)
          && (!severity.value || SEVERITIES.indexOf(f.severity) <= minRank)
          && (!status.value || f.status === status.value)
          && terms.every((t) => e.text.includes(t));
        e.node.hidden = !ok;
        if (ok) { visible++; e.groups.forEach((g) => { g.visible++; }); }
      });
      groups.forEach((g) => {
        g.node.hidden = g.visible === 0;
        g.count.textContent = g.visible === g.entries.length ? String(g.entries.length) : g.visible + " of " + g.entries.length;
        if (terms.length && g.visible) g.node.open = true;
      });
      shown.textContent = visible === entries.length ? entries.length + " findings" : visible + " of " + entries.length + " findings shown";
    };
    q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(apply, 120); });
    [source, severity, status].forEach((s) => s.addEventListener("change", apply));
    return h("div", { class: "filters", id: "filters", role: "search" }, q, source, severity, status, shown, openGroups, closeGroups);
  }

  function jump(index) {
    const node = document.getElementById("f-" + index);
    if (!node) return;
    for (let p = node.parentElement; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
    node.hidden = false;
    node.open = true;
    node.scrollIntoView({ block: "center" });
  }

  /* ---------- sections ---------- */

  function tile(n, label, tone) {
    return h("div", { class: "tile " + (tone || "") }, h("div", { class: "n" }, n), h("div", { class: "l" }, label));
  }

  function summarySection() {
    const s = data.summary;
    const o = s.outcomes;
    const section = h("section", { id: "sec-summary" });
    section.append(h("div", { class: "tiles" },
      tile(num(s.findings, 0), "findings", s.findings ? "bad" : "good"),
      SEVERITIES.filter((x) => s.findings_by_severity[x]).map((x) => tile(num(s.findings_by_severity[x], 0), x)),
      tile(num(s.items, 0), "items: " + o.passed + " passed, " + o.failed + " failed, " + o.error + " error, " + o.skipped + " skipped" + (o.interrupted ? ", " + o.interrupted + " interrupted" : "")),
      tile(num(s.cases, 0), "fuzz cases"),
      SOURCES.map((x) => tile(num(s.findings_by_source[x], 0), x + " findings")),
      s.errors ? tile(num(s.errors, 0), "setup errors", "bad") : null));
    if (data.baseline) section.append(baselineBlock(data.baseline));
    return section;
  }

  function baselineBlock(b) {
    const c = b.counts || {};
    const block = h("div", { id: "baseline", class: "card" }, h("h3", null, "Baseline"),
      h("p", null, "Compared with ", h("code", null, b.path || "an earlier report"), " (run of " + when(b.started) + "), tolerance " + pct(b.tolerance) + ", gate ",
        h("code", null, b.gate), ": ", h("span", { class: b.gate_passed ? "pass" : "fail" }, b.gate_passed ? "passed" : "failed")),
      h("div", { class: "tiles" }, tile(num(c.new, 0), "new findings", c.new ? "bad" : "good"), tile(num(c.fixed, 0), "fixed"), tile(num(c.persisting, 0), "persisting (known)"),
        c.not_run ? tile(num(c.not_run, 0), "not run this time") : null,
        tile(num(c.regressions, 0), "load regressions (" + num(c.compared, 0) + " metrics compared)", c.regressions ? "bad" : "good")));
    const firstIndex = new Map();
    data.findings.forEach((f) => { if (!firstIndex.has(f.fingerprint)) firstIndex.set(f.fingerprint, f.index); });
    const refRows = (refs, link) => refs.map((r) => h("tr", null, h("td", null, h("span", { class: "sev " + cls("sev-", r.severity, SEVERITIES) }, r.severity)), td(r.source), td(h("code", null, r.operation || "")), td(r.check),
      td(link && firstIndex.has(r.fingerprint) ? h("a", { class: "jump", href: "#f-" + firstIndex.get(r.fingerprint), onclick: (ev) => { ev.preventDefault(); jump(firstIndex.get(r.fingerprint)); } }, r.title) : r.title),
      td(String(r.count), true)));
    const head = ["severity", "side", "operation", "check", "title", "count"];
    if ((b.new || []).length) block.append(h("h4", null, "New findings"), table(head, refRows(b.new, true), [0, 0, 0, 0, 0, 1]));
    if ((b.fixed || []).length) block.append(h("h4", null, "Fixed findings (in the baseline, gone now)"), table(head, refRows(b.fixed, false), [0, 0, 0, 0, 0, 1]));
    if ((b.not_run || []).length) block.append(h("h4", null, "Baseline findings whose tests did not run this time"), table(head, refRows(b.not_run, false), [0, 0, 0, 0, 0, 1]));
    if ((b.regressions || []).length) block.append(h("h4", null, "Load regressions"), regressionTable(b.regressions, true));
    return block;
  }

  function regressionTable(list, withProfile) {
    const rows = list.map((r) => [withProfile ? r.suite + " / " + r.profile : null, h("code", null, r.scope), r.metric, fmtMetric(r.metric, r.baseline), fmtMetric(r.metric, r.current),
      fmtMetric(r.metric, r.allowed), typeof r.change === "number" ? (r.change >= 0 ? "+" : "") + pct(r.change) : "n/a"].filter((x, i) => withProfile || i > 0));
    const head = ["profile", "scope", "metric", "baseline", "now", "allowed", "change"].filter((x, i) => withProfile || i > 0);
    const numeric = [0, 0, 0, 1, 1, 1, 1].filter((x, i) => withProfile || i > 0);
    return table(head, rows, numeric);
  }

  function fmtMetric(metric, value) {
    if (metric === "error_rate") return pct(value);
    if (/rps$/.test(metric)) return num(value, 1) + "/s";
    if (/_ms$/.test(metric)) return num(value, 1) + " ms";
    return num(value, 2);
  }

  function errorsSection() {
    const broken = data.items.filter((i) => i.outcome === "error");
    if (!data.errors.length && !broken.length) return null;
    return h("section", { id: "sec-errors" }, h("h2", null, "Errors (setup or engine problems)"),
      h("ul", null, data.errors.map((e) => h("li", null, e.item ? h("code", null, e.item) : null, e.item ? ": " : null, h("span", { class: "error-msg" }, e.message))),
        broken.filter((i) => !data.errors.some((e) => e.item === i.nodeid)).map((i) => h("li", null, h("code", null, i.nodeid), ": ", h("span", { class: "error-msg" }, i.error || "error")))));
  }

  function fuzzSection() {
    const findings = data.findings.filter((f) => f.source === "fuzz");
    const items = data.items.filter((i) => i.source === "fuzz");
    if (!findings.length && !items.length && !data.coverage.length) return null;
    const cases = items.reduce((n, i) => n + i.cases, 0);
    return h("section", { id: "sec-fuzz" }, h("h2", null, "Fuzz"),
      h("p", null, num(items.length, 0) + " items, " + num(cases, 0) + " cases, " + num(findings.length, 0) + " findings, grouped by operation and check."),
      findingGroups(findings, [(f) => (f.suite ? f.suite + ": " : "") + (f.operation || "(whole API)"), (f) => f.check], findings.length <= 200),
      notCheckedBlock(items),
      coverageBlock());
  }

  // What an item could not check, and why (e.g. a follow-up check that found no live resource): not findings.
  function notCheckedBlock(items) {
    const noted = items.filter((i) => (i.notes || []).length);
    if (!noted.length) return null;
    return h("div", { id: "not-checked" }, h("h3", null, "Not checked"),
      h("ul", null, noted.flatMap((i) => i.notes.map((n) => h("li", null, h("code", null, (i.suite ? i.suite + ": " : "") + i.name), ": " + n)))));
  }

  function coverageBlock() {
    const rows = data.coverage;
    const block = h("div", { id: "coverage" }, h("h3", null, "Coverage: operations × status codes"));
    if (!rows.length) { block.append(h("p", { class: "empty" }, "No coverage recorded.")); return block; }
    const codes = new Set();
    const status = /^[1-5][0-9][0-9]$/;
    rows.forEach((r) => { r.documented.concat(Object.keys(r.seen)).forEach((c) => { if (status.test(c)) codes.add(c); }); });
    const columns = Array.from(codes).sort();
    // A seen status is documented by its own code, its range ("4XX") or "default".
    const covers = (r, code) => r.documented.includes(code) || r.documented.includes(code[0] + "XX") || r.documented.includes(code[0] + "xx") || r.documented.includes("default");
    const body = rows.map((r) => h("tr", null, h("td", null, h("code", null, (r.suite ? r.suite + ": " : "") + r.operation)), td(num(r.cases, 0), true),
      columns.map((code) => {
        const n = r.seen[code] || 0;
        const explicit = r.documented.includes(code);
        let klass = "num";
        let title = null;
        if (n && covers(r, code)) { klass += " cov-ok"; title = "documented and seen"; }
        else if (n) { klass += " cov-undocumented"; title = "seen but not documented"; }
        else if (explicit) { klass += " cov-missing"; title = "documented but never seen"; }
        return h("td", { class: klass, title }, n ? num(n, 0) : explicit ? "0" : "");
      }),
      td(r.documented.filter((c) => !status.test(c)).join(", ")),
      td(r.probed ? "" : (r.tested || "fully") + ((r.notes || []).length ? ": " + r.notes.join("; ") : ""))));
    block.append(h("p", { class: "legend" }, h("span", { class: "cov-ok" }, "documented, seen"), h("span", { class: "cov-missing" }, "documented, never seen"), h("span", { class: "cov-undocumented" }, "seen, not documented")));
    block.append(table(["operation", "cases"].concat(columns, ["also documented", "tested"]), body, [0, 1].concat(columns.map(() => 1), [0, 0])));
    return block;
  }

  function contractsSection() {
    const findings = data.findings.filter((f) => f.source === "contract");
    if (!findings.length && !data.contracts.length) return null;
    const section = h("section", { id: "sec-contracts" }, h("h2", null, "Contracts"));
    if (data.contracts.length) {
      const rows = [];
      let last = null;
      data.contracts.forEach((c) => {
        const pair = c.consumer + " → " + c.provider;
        if (pair !== last) { rows.push(h("tr", null, h("th", { colspan: 4, scope: "colgroup" }, (c.suite ? c.suite + ": " : "") + pair))); last = pair; }
        rows.push([c.interaction + (c.note ? " — " + c.note : ""), c.mode, outcome(c.outcome), num(c.findings, 0)]);
      });
      section.append(h("h3", null, "Interactions per consumer and provider"), table(["interaction", "mode", "outcome", "findings"], rows, [0, 0, 0, 1]));
    }
    section.append(h("h3", null, "Contract findings"),
      findingGroups(findings, [(f) => contractPair(f), (f) => contractInteraction(f)], findings.length <= 200));
    return section;
  }

  function contractPair(f) {
    const d = f.details || {};
    const pair = d.consumer && d.provider ? d.consumer + " → " + d.provider : "";
    return (f.suite ? f.suite + ": " : "") + (pair || "contract");
  }

  function contractInteraction(f) {
    const d = f.details || {};
    return d.interaction || f.key || f.operation || f.title;
  }

  function loadSection() {
    const findings = data.findings.filter((f) => f.source === "load");
    if (!findings.length && !data.load.length) return null;
    const section = h("section", { id: "sec-load" }, h("h2", null, "Load"));
    const claimed = new Set();
    data.load.forEach((r, i) => section.append(profileCard(r, i, findings, claimed)));
    const rest = findings.filter((f) => !claimed.has(f.index));
    if (rest.length) section.append(h("h3", null, "Other load findings"), findingGroups(rest, [(f) => f.check], true));
    return section;
  }

  function profileOf(f, r) {
    const d = f.details || {};
    if (f.suite && r.suite && f.suite !== r.suite) return false;
    if (d.profile) return d.profile === r.profile;
    const item = f.item || "";
    return item.endsWith("[" + r.profile + "]") || item.endsWith("::" + r.profile) || f.key === r.profile || (f.key || "").startsWith(r.profile + ":");
  }

  function profileCard(r, i, findings, claimed) {
    const mine = findings.filter((f) => !claimed.has(f.index) && profileOf(f, r));
    mine.forEach((f) => claimed.add(f.index));
    const t = r.total;
    const card = h("div", { class: "card profile", id: "load-" + i },
      h("h3", null, (r.suite ? r.suite + " / " : "") + r.profile),
      h("div", { class: "tiles" }, tile(r.shape, "shape"), tile(num(r.duration_s, 0) + " s", "duration"), tile(num(r.users_max, 0), "users (max)"),
        tile(num(t.requests, 0), "requests"), tile(num(t.failures, 0) + " (" + pct(t.error_rate) + ")", "failures", t.failures ? "bad" : ""),
        tile(num(t.rps, 1), "requests/s"), tile(num(t.p95_ms, 0) + " / " + num(t.p99_ms, 0) + " ms", "p95 / p99"),
        r.workers ? tile(num(r.workers, 0), "workers") : null, r.missed_starts ? tile(num(r.missed_starts, 0), "missed starts", "bad") : null));
    if (r.slos.length) {
      card.append(h("h4", null, "SLOs: measured vs allowed"), table(["metric", "scope", "allowed", "measured", "result"],
        r.slos.map((s) => [s.metric, h("code", null, s.scope), fmtMetric(s.metric, s.allowed), fmtMetric(s.metric, s.measured), h("span", { class: s.passed ? "pass" : "fail" }, s.passed ? "met" : "missed")]), [0, 0, 1, 1, 0]));
    }
    const charts = h("div", { class: "charts" });
    card.append(h("h4", null, "Over time" + (r.timeline.step > 1 ? " (points of " + r.timeline.step + " s)" : "")), charts);
    if (r.timeline.t.length) deferred.push(() => drawCharts(charts, r));
    else charts.append(h("p", { class: "empty" }, "No timeline recorded."));
    if (r.endpoints.length) {
      card.append(h("h4", null, "Endpoints"), table(["endpoint", "requests", "failures", "error rate", "rps", "avg ms", "p50", "p90", "p95", "p99", "max"],
        r.endpoints.concat([Object.assign({ total: true }, t)]).map((e) => [e.total ? "total" : h("code", null, endpointName(e)), num(e.requests, 0), num(e.failures, 0), pct(e.error_rate), num(e.rps, 1),
          num(e.avg_ms, 1), num(e.p50_ms, 0), num(e.p90_ms, 0), num(e.p95_ms, 0), num(e.p99_ms, 0), num(e.max_ms, 0)]), [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
    }
    const regressions = ((data.baseline || {}).regressions || []).filter((x) => x.suite === r.suite && x.profile === r.profile);
    if (regressions.length) card.append(h("h4", null, "Regressions against the baseline"), regressionTable(regressions, false));
    if (mine.length) card.append(h("h4", null, "Findings"), findingGroups(mine, [(f) => f.check], true));
    return card;
  }

  function endpointName(e) {
    const method = e.method || "";
    return !method || e.name.startsWith(method + " ") ? e.name : method + " " + e.name;
  }

  function drawCharts(host, r) {
    const tl = r.timeline;
    const sloLine = (metric) => (r.slos.find((s) => s.metric === metric && s.scope === "total") || {}).allowed;
    const latency = [{ label: "p50", values: tl.p50_ms, color: "#2b7bb9" }, { label: "p95", values: tl.p95_ms, color: "#e08a00" }, { label: "p99", values: tl.p99_ms, color: "#c0392b" }];
    ["p50_ms", "p95_ms", "p99_ms"].forEach((m) => {
      const allowed = sloLine(m);
      if (typeof allowed === "number") latency.push({ label: m.slice(0, 3) + " SLO", values: tl.t.map(() => allowed), color: "#8b0000", dash: [6, 4] });
    });
    lineChart(host, "Users", tl.t, [{ label: "users", values: tl.users, color: "#57606a" }], "users");
    lineChart(host, "Requests per second", tl.t, [{ label: "rps", values: tl.rps, color: "#2b7bb9" }], "req/s");
    lineChart(host, "Latency percentiles (ms)", tl.t, latency, "ms");
    lineChart(host, "Errors per second", tl.t, [{ label: "errors", values: tl.errors, color: "#c0392b" }], "errors/s");
  }

  function lineChart(host, title, xs, series, unit) {
    const box = h("div", { class: "chart", role: "img", "aria-label": title });
    host.append(box);
    if (typeof uPlot !== "function") { box.append(h("p", { class: "empty" }, title + ": chart library unavailable.")); return; }
    const opts = {
      title, width: Math.max(300, box.clientWidth - 12), height: 220,
      scales: { x: { time: false } },
      axes: [{ label: "seconds" }, { label: unit, size: 56 }],
      series: [{ label: "t (s)" }].concat(series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, dash: s.dash, points: { show: false } }))),
    };
    try {
      charts.push({ box, plot: new uPlot(opts, [xs].concat(series.map((s) => s.values)), box) });
    } catch (e) {
      box.append(h("p", { class: "empty" }, title + ": could not draw (" + e.message + ")."));
    }
  }

  function metaSection() {
    const m = data.meta;
    const rows = [["verdict", data.verdict], ["started", when(m.started)], ["finished", when(m.finished)],
      ["duration", typeof m.finished === "number" ? num(m.finished - m.started, 1) + " s" : "–"], ["complete", m.complete ? "yes" : "no (interrupted or crashed)"],
      ["exit status", m.exit_status === null ? "–" : String(m.exit_status)], ["suites", m.suites.join(", ")],
      ["targets", Object.keys(m.targets).map((k) => k + ": " + m.targets[k]).join(", ")], ["seed", m.seed === null ? "–" : String(m.seed)],
      ["command", m.argv.join(" ")], ["apitest", m.apitest_version], ["python", m.python], ["platform", m.platform]];
    const items = data.items;
    return h("section", { id: "sec-run" }, h("h2", null, "Run"), table(["", ""], rows.map((r) => [h("span", { class: "skip" }, r[0]), h("span", { class: "mono" }, r[1] || "–")])),
      h("details", null, h("summary", null, "All " + items.length + " items"),
        table(["item", "side", "outcome", "duration s", "cases", "findings"], items.map((i) => [h("code", null, i.nodeid), i.source, outcome(i.outcome), num(i.duration_s, 2), num(i.cases, 0), num(i.findings, 0)]), [0, 0, 0, 1, 1, 1])));
  }

  function render() {
    const app = document.getElementById("app");
    data.findings.forEach((f, i) => { f.index = i; });
    const sections = [summarySection(), errorsSection(), fuzzSection(), contractsSection(), loadSection(), metaSection()].filter(Boolean);
    const names = { "sec-summary": "Summary", "sec-errors": "Errors", "sec-fuzz": "Fuzz", "sec-contracts": "Contracts", "sec-load": "Load", "sec-run": "Run" };
    const nav = h("nav", { class: "sections", "aria-label": "sections" }, sections.map((s) => h("a", { href: "#" + s.id }, names[s.id])));
    app.append(nav, filterBar(data.findings.length, !!data.baseline));
    sections.forEach((s) => app.append(s));
    deferred.forEach((draw) => draw());
    let timer = null;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(() => charts.forEach((c) => c.plot.setSize({ width: Math.max(300, c.box.clientWidth - 12), height: 220 })), 150);
    });
    document.body.dataset.ready = "1";
  }

  async function load() {
    const node = document.getElementById("apitest-data");
    if (node.dataset.encoding === "gzip+base64") {
      if (typeof DecompressionStream !== "function") throw new Error("this browser cannot decompress the embedded data; open report.json instead");
      const raw = atob(node.textContent.trim());
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return JSON.parse(await new Response(stream).text());
    }
    return JSON.parse(node.textContent);
  }

  load().then((d) => { data = d; render(); }).catch((e) => {
    document.getElementById("app").append(h("p", { class: "notice" }, "Could not show this report: " + e.message));
    document.body.dataset.ready = "error";
    throw e;
  });
})();
