// The vostro dashboard: polls GET /v1/dashboard with an API key and draws what it returns.
//
// No libraries and no external resources: the service runs on networks without internet.
// Money arrives as integers in minor units; every `*_minor` number is kept as its digit string
// (JSON.parse would round anything above 2^53) and formatted with string operations. Floats are
// used only to size bars and place chart axes, never for an amount shown as exact.
//
// Text that people typed (names, end-to-end ids, reasons) is never HTML: the tables and labels
// that show it are built as DOM nodes (`h`), each text a Text node (textContent), so a name like
// "<img onerror=...>" shows as those characters. Only the charts, whose labels are BICs,
// currency codes, account kinds and segment tags (each restricted to letters, digits and "_" by
// the API), are drawn from SVG markup, with every value escaped.
"use strict";

const POLL_MS = 2000; // the dashboard's refresh period
const REQUEST_TIMEOUT_MS = 8000; // a poll that takes longer is abandoned and retried
const KEY_STORAGE = "vostro.apiKey"; // sessionStorage: the key leaves with the tab
const PAYMENTS_SHOWN_MAX = 20; // the API sends the 20 newest
const EXPONENT = { INR: 2, RUB: 2, USD: 2, CNY: 2, AED: 2, EUR: 2, JPY: 0 };
const SYMBOL = { INR: "₹", RUB: "₽", USD: "$" };
const STATE_ORDER = [
  "received", "validated", "screened", "quoted", "reserved", "clearing", "queued", "held",
  "settled", "returned", "rejected",
];
const KIND_COLOUR = {
  settlement: "#1f5fae", vostro: "#c2571a", investment: "#2e8b57", fee: "#7a5aa6",
};

const $ = (id) => document.getElementById(id);
const state = { key: null, timer: null, lastText: null, inFlight: false, failures: 0 };

// ------------------------------------------------------------------ DOM
// An element built from nodes, never from HTML: each attribute set on its own, each child a node
// or a string (appended as a Text node, exactly as textContent would show it).
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === "") continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// The charts' SVG markup (no typed text in it: see the top of this file) as nodes.
function fromMarkup(markup) {
  const template = document.createElement("template");
  template.innerHTML = markup;
  return template.content;
}

function show(id, ...nodes) {
  $(id).replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== ""));
}

// ------------------------------------------------------------------ formatting
function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function exponentOf(code) {
  return EXPONENT[code] ?? 2;
}

function groupThousands(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// Indian grouping (lakh, crore): 1,23,45,678
function groupIndian(digits) {
  if (digits.length <= 3) return digits;
  const head = digits.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ",");
  return `${head},${digits.slice(-3)}`;
}

// An exact amount from its integer minor units (a digit string or a safe integer).
function formatMinor(minor, code, { withCode = true } = {}) {
  let digits = String(minor ?? "");
  const negative = digits.startsWith("-");
  if (negative) digits = digits.slice(1);
  if (!/^\d+$/.test(digits)) return "—";
  const exp = exponentOf(code);
  digits = digits.replace(/^0+(?=\d)/, "").padStart(exp + 1, "0");
  const whole = exp ? digits.slice(0, -exp) : digits;
  const fraction = exp ? `.${digits.slice(-exp)}` : "";
  const grouped = code === "INR" ? groupIndian(whole) : groupThousands(whole);
  return `${negative ? "−" : ""}${grouped}${fraction}${withCode ? ` ${code}` : ""}`;
}

// For scaling only (bars, axes): never shown as an exact amount.
function minorToNumber(minor, code) {
  return Number(minor ?? 0) / 10 ** exponentOf(code);
}

function sumMinor(values) {
  return values.reduce((total, v) => total + BigInt(v ?? 0), 0n).toString();
}

// Approximate, for chart labels: ₹2.95 cr, ₽1.2 M, USD 296 K.
function compact(major, code) {
  const sign = major < 0 ? "−" : "";
  const n = Math.abs(major);
  const symbol = SYMBOL[code] ?? `${code} `;
  const fixed = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (code === "INR") {
    if (n >= 1e7) return `${sign}${symbol}${fixed(n / 1e7)} cr`;
    if (n >= 1e5) return `${sign}${symbol}${fixed(n / 1e5)} lakh`;
  } else {
    if (n >= 1e9) return `${sign}${symbol}${fixed(n / 1e9)} bn`;
    if (n >= 1e6) return `${sign}${symbol}${fixed(n / 1e6)} M`;
  }
  if (n >= 1e3) return `${sign}${symbol}${groupThousands(Math.round(n).toString())}`;
  return `${sign}${symbol}${n.toFixed(n ? 2 : 0)}`;
}

function usd(n) {
  if (n === null || n === undefined) return "—";
  const a = Math.abs(n);
  const fixed = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (a >= 1e9) return `USD ${fixed(a / 1e9)} bn`;
  if (a >= 1e6) return `USD ${fixed(a / 1e6)} M`;
  if (a >= 1e3) return `USD ${fixed(a / 1e3)} K`;
  return `USD ${Math.round(a)}`;
}

function count(n) {
  return groupThousands(String(n ?? 0));
}

function time(ns) {
  if (ns === null || ns === undefined) return "—";
  const d = new Date(Number(ns) / 1e6);
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function stateClass(s) {
  return `state state-${String(s).replace(/[^a-z_]/gi, "")}`;
}

// Keys of the dashboard that hold money get their digits kept as strings.
function parseDashboard(text) {
  return JSON.parse(text.replace(/"(\w+_minor)"\s*:\s*(-?\d+)/g, '"$1":"$2"'));
}

// ------------------------------------------------------------------ SVG charts
const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"';

function empty(message) {
  return `<p class="empty">${esc(message)}</p>`;
}

// Horizontal bars; each row has one or more stacked parts [{value, colour, title}].
function barChart(rows, { label = "Chart", labelWidth = 170, width = 640 } = {}) {
  if (!rows.length) return "";
  const rowH = 30;
  const textW = 150;
  const barW = width - labelWidth - textW;
  const top = 6;
  const height = top + rows.length * rowH + 4;
  const max = Math.max(...rows.map((r) => r.parts.reduce((t, p) => t + Math.abs(p.value), 0)), 0);
  const scale = max > 0 ? barW / max : 0;
  const body = rows.map((r, i) => {
    const y = top + i * rowH;
    let x = labelWidth;
    const parts = r.parts.map((p) => {
      const w = Math.max(Math.abs(p.value) * scale, p.value ? 2 : 0);
      const rect = `<rect x="${x.toFixed(1)}" y="${y + 5}" width="${w.toFixed(1)}" height="${rowH - 12}"
        rx="3" style="fill:${p.colour}"><title>${esc(p.title ?? "")}</title></rect>`;
      x += w;
      return rect;
    }).join("");
    return `<g class="bar-row">
      <text x="${labelWidth - 8}" y="${y + rowH / 2 + 1}" class="bar-label" text-anchor="end"
        dominant-baseline="middle">${esc(r.label)}${r.sub ? `<tspan class="bar-sub"> ${esc(r.sub)}</tspan>` : ""}</text>
      <rect x="${labelWidth}" y="${y + 5}" width="${barW}" height="${rowH - 12}" rx="3" class="track"/>
      ${parts}
      <text x="${x + 6}" y="${y + rowH / 2 + 1}" class="bar-value" dominant-baseline="middle">${esc(r.text)}</text>
    </g>`;
  }).join("");
  return `<svg ${SVG_NS} class="chart" viewBox="0 0 ${width} ${height}" role="img"
    aria-label="${esc(label)}" preserveAspectRatio="xMinYMin meet">${body}</svg>`;
}

function legend(items) {
  return `<ul class="legend">${items.map(([colour, text]) =>
    `<li><span class="swatch" style="background:${colour}"></span>${esc(text)}</li>`).join("")}</ul>`;
}

// "$10 M", "$1 bn", "$1 tn" for a power of ten.
function axisUsd(exponent) {
  const units = [[12, "tn"], [9, "bn"], [6, "M"], [3, "K"], [0, ""]];
  const [power, unit] = units.find(([p]) => exponent >= p);
  return `$${10 ** (exponent - power)}${unit ? ` ${unit}` : ""}`;
}

// Cumulative value (log scale) with run rate, target and baseline lines.
function corridorChart(points, target, baseline) {
  const width = 900;
  const height = 300;
  const m = { left: 70, right: 210, top: 18, bottom: 34 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const values = points.flatMap((p) => [p.cumulative, p.runRate]).filter((v) => v > 0);
  const low = Math.floor(Math.log10(Math.max(1, Math.min(...values, target))));
  const high = Math.ceil(Math.log10(Math.max(...values, target) * 1.5));
  const y = (v) => m.top + plotH - ((Math.log10(Math.max(v, 10 ** low)) - low) / (high - low)) * plotH;
  const n = points.length;
  const x = (i) => m.left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const grid = [];
  for (let e = low; e <= high; e += 1) {
    grid.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" class="gridline"/>
      <text x="${m.left - 8}" y="${y(10 ** e)}" class="axis" text-anchor="end" dominant-baseline="middle">${axisUsd(e)}</text>`);
  }
  // The target sits just above the baseline: its label goes above the line, the baseline's below.
  const ref = (v, cls, text, dy) => `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(v)}" y2="${y(v)}" class="${cls}"/>
    <text x="${m.left + plotW + 8}" y="${y(v) + dy}" class="ref-label ${cls}-label" dominant-baseline="middle">${esc(text)}</text>`;
  const line = (key) => points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
  const area = n > 1
    ? `<path d="${line("cumulative")} L${x(n - 1).toFixed(1)},${m.top + plotH} L${x(0).toFixed(1)},${m.top + plotH} Z" class="area"/>`
    : "";
  const dots = points.map((p, i) => `<circle cx="${x(i)}" cy="${y(p.cumulative)}" r="4" class="dot-cum"><title>${esc(p.day)}: ${esc(usd(p.cumulative))} settled to date</title></circle>
    <circle cx="${x(i)}" cy="${y(p.runRate)}" r="3.5" class="dot-rate"><title>${esc(p.day)}: run rate ${esc(usd(p.runRate))} a year</title></circle>`).join("");
  const step = Math.max(1, Math.ceil(n / 8));
  const ticks = points.map((p, i) => (i % step === 0 || i === n - 1)
    ? `<text x="${x(i)}" y="${height - 10}" class="axis" text-anchor="middle">${esc(p.day)}</text>` : "").join("");
  const last = points[n - 1];
  return `<svg ${SVG_NS} class="chart corridor-chart" viewBox="0 0 ${width} ${height}" role="img"
    aria-label="Cumulative settled value and annualised run rate against the 2030 target">
    ${grid.join("")}
    ${ref(target, "target", `2030 target ${usd(target)}`, -9)}
    ${ref(baseline, "baseline", `FY2025 trade ${usd(baseline)}`, 11)}
    ${area}
    <path d="${line("cumulative")}" class="line-cum"/>
    <path d="${line("runRate")}" class="line-rate"/>
    ${dots}
    <text x="${x(n - 1) + 10}" y="${y(last.cumulative)}" class="point-label" dominant-baseline="middle">${esc(usd(last.cumulative))} settled</text>
    <text x="${x(n - 1) + 10}" y="${y(last.runRate)}" class="point-label rate-label" dominant-baseline="middle">run rate ${esc(usd(last.runRate))} a year</text>
    ${ticks}
  </svg>`;
}

// ------------------------------------------------------------------ sections
function participantName(data, bic) {
  return data.participants.find((p) => p.bic === bic)?.name ?? "";
}

function renderWho(data) {
  const operatorView = data.role !== "participant";
  document.body.classList.toggle("operator-view", operatorView);
  document.body.classList.toggle("participant-view", !operatorView);
  for (const el of document.querySelectorAll("[data-operator]")) el.hidden = !operatorView;
  const name = data.bic ? participantName(data, data.bic) : "";
  const role = h("span", { class: `role role-${String(data.role).replace(/[^a-z_]/gi, "")}` }, data.role);
  show("who", role, " ", data.bic
    ? [h("span", { class: "bic", "data-bic": data.bic }, data.bic), " ", h("span", { class: "name" }, name)]
    : h("span", { class: "name" }, "all participants"));
}

function renderKpis(data) {
  const states = data.payments_by_state ?? {};
  const total = Object.values(states).reduce((a, b) => a + b, 0);
  const queued = Object.values(data.queue_depth ?? {}).reduce((a, b) => a + b, 0);
  const { cumulative, runRate } = corridorTotals(data.days);
  const saved = Object.entries(data.liquidity_saved ?? {})
    .map(([code, s]) => compact(minorToNumber(s.saved_minor, code), code));
  const cards = [
    ["Payments", count(total), `${count(states.settled ?? 0)} settled`],
    ["Queued", count(queued), queued ? "waiting for liquidity" : "no queue"],
    ["Held", count(states.held ?? 0), "by screening or review"],
    ["Settled value", usd(cumulative), "at reference rates"],
    ["Run rate", usd(runRate), `${runRate ? ((runRate / data.target_usd_2030) * 100).toPrecision(2) : 0}% of the 2030 target`],
  ];
  if (data.role !== "participant") {
    cards.push(["Liquidity saved", saved.length ? saved.join(" · ") : "—", "by netting"]);
  }
  $("kpis").innerHTML = cards.map(([title, value, note]) => `<div class="kpi">
    <div class="kpi-title">${esc(title)}</div><div class="kpi-value">${esc(value)}</div>
    <div class="kpi-note">${esc(note)}</div></div>`).join("");
}

function renderBalances(data) {
  const rows = data.balances ?? [];
  if (!rows.length) {
    $("balances").innerHTML = empty("No accounts yet.");
    return;
  }
  const currencies = [...new Set(rows.map((b) => b.currency))].sort();
  const charts = currencies.map((code) => {
    const mine = rows.filter((b) => b.currency === code);
    const bars = mine.map((b) => ({
      label: b.bic,
      sub: b.kind === "settlement" ? "" : b.kind,
      text: compact(minorToNumber(b.balance_minor, code), code),
      parts: [{
        value: minorToNumber(b.balance_minor, code),
        colour: String(b.balance_minor).startsWith("-") ? "#b3261e" : KIND_COLOUR[b.kind] ?? "#555",
        title: `${b.bic} ${b.kind}: ${formatMinor(b.balance_minor, code)}`,
      }],
    }));
    return `<figure class="chart-box"><figcaption>${esc(code)} · total ${esc(formatMinor(sumMinor(mine.map((b) => b.balance_minor)), code))}</figcaption>
      ${barChart(bars, { label: `${code} balances by participant` })}</figure>`;
  }).join("");
  const kinds = [...new Set(rows.map((b) => b.kind))];
  const table = dataTable("balances-table", "Balances per participant, account and currency",
    ["Participant", "Account", "Currency", ["Balance", "num"], ["Pending debits", "num"]],
    rows.map((b) => h("tr", { "data-bic": b.bic, "data-currency": b.currency, "data-kind": b.kind },
      h("td", {}, bicAndName(data, b.bic)),
      h("td", {}, b.kind), h("td", {}, b.currency),
      h("td", { class: "num" }, formatMinor(b.balance_minor, b.currency, { withCode: false })),
      h("td", { class: "num" }, b.pending_minor && b.pending_minor !== "0"
        ? formatMinor(b.pending_minor, b.currency, { withCode: false }) : "—"))));
  show("balances", fromMarkup(`<div class="split">${charts}</div>
    ${legend(kinds.map((k) => [KIND_COLOUR[k] ?? "#555", `${k} account`]))}`), table);
}

// A table of typed text: headers given as "Name" or ["Name", "class"], rows as <tr> nodes.
function dataTable(id, caption, headers, rows) {
  const head = h("tr", {}, headers.map((header) => {
    const [label, cls] = Array.isArray(header) ? header : [header, null];
    return h("th", { scope: "col", class: cls }, label);
  }));
  return h("div", { class: "table-wrap" }, h("table", { class: "data", id },
    caption ? h("caption", { class: "sr-only" }, caption) : null,
    h("thead", {}, head), h("tbody", {}, rows)));
}

function bicAndName(data, bic) {
  return [h("span", { class: "bic" }, bic), " ", h("span", { class: "muted" }, participantName(data, bic))];
}

function renderStates(data) {
  const states = data.payments_by_state ?? {};
  const names = Object.keys(states).sort((a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b));
  $("states").innerHTML = names.length
    ? barChart(names.map((s) => ({
      label: s,
      text: count(states[s]),
      parts: [{ value: states[s], colour: `var(--state-${s}, #667)`, title: `${s}: ${states[s]}` }],
    })), { label: "Payments by state", labelWidth: 110, width: 520 })
    : empty("No payments yet.");
  const depth = Object.entries(data.queue_depth ?? {});
  $("queue").innerHTML = depth.length
    ? `<ul class="chips">${depth.map(([code, n]) => `<li class="chip" data-currency="${esc(code)}">
        <strong>${esc(code)}</strong> ${esc(count(n))} queued</li>`).join("")}</ul>`
    : `<p class="ok">No payments waiting for liquidity.</p>`;
}

function renderSaved(data) {
  const saved = Object.entries(data.liquidity_saved ?? {});
  if (!saved.length) {
    $("saved").innerHTML = empty("No netting runs yet: the liquidity-saving mechanism runs when payments queue.");
    return;
  }
  const rows = saved.map(([code, s]) => ({
    label: code,
    text: `${compact(minorToNumber(s.saved_minor, code), code)} saved`,
    parts: [
      { value: minorToNumber(s.net_minor, code), colour: "#1f5fae", title: `net liquidity used: ${formatMinor(s.net_minor, code)}` },
      { value: minorToNumber(s.saved_minor, code), colour: "#3fa66b", title: `saved: ${formatMinor(s.saved_minor, code)}` },
    ],
  }));
  const detail = saved.map(([code, s]) => `<tr><th scope="row">${esc(code)}</th>
    <td class="num">${esc(formatMinor(s.gross_minor, code, { withCode: false }))}</td>
    <td class="num">${esc(formatMinor(s.net_minor, code, { withCode: false }))}</td>
    <td class="num">${esc(formatMinor(s.saved_minor, code, { withCode: false }))}</td></tr>`).join("");
  $("saved").innerHTML = `${barChart(rows, { label: "Liquidity saved per currency", labelWidth: 60, width: 520 })}
    ${legend([["#1f5fae", "net liquidity used"], ["#3fa66b", "liquidity saved"]])}
    <div class="table-wrap"><table class="data"><thead><tr><th scope="col">Currency</th><th scope="col" class="num">Gross</th>
    <th scope="col" class="num">Net</th><th scope="col" class="num">Saved</th></tr></thead><tbody>${detail}</tbody></table></div>`;
}

function renderSettlement(data) {
  const windows = data.windows ?? [];
  $("windows").innerHTML = windows.length
    ? `<div class="table-wrap"><table class="data"><thead><tr><th scope="col">#</th><th scope="col">Currency</th>
      <th scope="col">State</th><th scope="col">Opened</th><th scope="col">Closed</th><th scope="col">Settled</th></tr></thead>
      <tbody>${windows.map((w) => `<tr><td>${esc(w.id)}</td><td>${esc(w.currency)}</td>
        <td><span class="${stateClass(w.state)}">${esc(w.state)}</span></td><td>${esc(time(w.opened_at))}</td>
        <td>${esc(time(w.closed_at))}</td><td>${esc(time(w.settled_at))}</td></tr>`).join("")}</tbody></table></div>`
    : empty("No settlement windows: every payment so far settled gross, in real time.");
  const runs = data.settlement_runs ?? [];
  $("runs").innerHTML = runs.length
    ? `<div class="table-wrap"><table class="data"><thead><tr><th scope="col">Kind</th><th scope="col">Currency</th>
      <th scope="col" class="num">Gross</th><th scope="col" class="num">Net</th><th scope="col" class="num">Saved</th>
      <th scope="col" class="num">Settled</th><th scope="col" class="num">Still queued</th></tr></thead>
      <tbody>${runs.map((r) => `<tr title="${esc((r.notes ?? []).join("; "))}"><td>${esc(r.kind)}${r.optimal ? " (optimal)" : ""}</td>
        <td>${esc(r.currency)}</td><td class="num">${esc(formatMinor(r.gross_minor, r.currency, { withCode: false }))}</td>
        <td class="num">${esc(formatMinor(r.net_minor, r.currency, { withCode: false }))}</td>
        <td class="num">${esc(formatMinor(r.saved_minor, r.currency, { withCode: false }))} <span class="muted">(${esc(r.saved_pct)}%)</span></td>
        <td class="num">${esc(count(r.settled))}</td><td class="num">${esc(count(r.still_queued))}</td></tr>`).join("")}</tbody></table></div>`
    : empty("No liquidity-saving runs yet.");
}

function renderVostro(data) {
  const byBic = new Map();
  for (const b of data.balances ?? []) {
    if (b.currency !== "INR" || !["vostro", "investment"].includes(b.kind)) continue;
    const row = byBic.get(b.bic) ?? { vostro: "0", invested: "0" };
    row[b.kind === "vostro" ? "vostro" : "invested"] = b.balance_minor;
    byBic.set(b.bic, row);
  }
  const days = new Map((data.vostro ?? []).map((d) => [d.bic, d]));
  for (const d of days.values()) {
    if (!byBic.has(d.bic)) byBic.set(d.bic, { vostro: d.vostro_minor, invested: d.invested_minor });
  }
  if (!byBic.size) {
    $("vostro").innerHTML = empty("No Russian bank holds a rupee vostro account yet.");
    return;
  }
  const rows = [...byBic.entries()].map(([bic, v]) => ({
    label: bic,
    text: compact(minorToNumber(sumMinor([v.vostro, v.invested]), "INR"), "INR"),
    parts: [
      { value: minorToNumber(v.vostro, "INR"), colour: KIND_COLOUR.vostro, title: `in the vostro account: ${formatMinor(v.vostro, "INR")}` },
      { value: minorToNumber(v.invested, "INR"), colour: KIND_COLOUR.investment, title: `invested in treasury bills: ${formatMinor(v.invested, "INR")}` },
    ],
  }));
  const table = [...byBic.entries()].map(([bic, v]) => {
    const d = days.get(bic);
    return h("tr", { "data-bic": bic }, h("td", {}, bicAndName(data, bic)),
      h("td", { class: "num" }, formatMinor(v.vostro, "INR", { withCode: false })),
      h("td", { class: "num" }, formatMinor(v.invested, "INR", { withCode: false })),
      h("td", { class: "num" }, d
        ? [formatMinor(d.interest_minor, "INR", { withCode: false }), " ", h("span", { class: "muted" }, d.day)]
        : "—"));
  });
  show("vostro", fromMarkup(`${barChart(rows, { label: "Rupee vostro balance and investment per Russian bank", labelWidth: 110, width: 520 })}
    ${legend([[KIND_COLOUR.vostro, "in the vostro account"], [KIND_COLOUR.investment, "invested in treasury bills"]])}`),
  dataTable(null, null, ["Bank", ["Vostro (INR)", "num"], ["Invested (INR)", "num"], ["Interest, last day", "num"]], table));
}

// ------------------------------------------------------------------ operating day
const CUTOFF_NAMES = { customer: "customer cut-off", interbank: "interbank cut-off", urgent: "urgent cut-off" };

function nextMoment(d, nowNs) {
  // The next of the day's moments still ahead: its opening, each cut-off, its end of day.
  const moments = [["opening", d.opens_at], ...Object.entries(d.cutoffs ?? {}).map(([k, at]) => [CUTOFF_NAMES[k] ?? k, at]),
    ["end of day", d.end_of_day_at]];
  const ahead = moments.filter(([, at]) => BigInt(at) > nowNs).sort((a, b) => (BigInt(a[1]) < BigInt(b[1]) ? -1 : 1));
  if (d.always_open) return ahead.length ? ["end of day", ahead[ahead.length - 1][1]] : null;
  return ahead[0] ?? null;
}

function countdown(atNs, nowNs) {
  let s = Number((BigInt(atNs) - nowNs) / 1000000000n);
  if (s < 0) s = 0;
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return `${hh}:${String(mm).padStart(2, "0")}:${String(ss).padStart(2, "0")}`;
}

function localTime(ns, zone) {
  return new Date(Number(BigInt(ns) / 1000000n)).toLocaleString("en-GB", {
    timeZone: zone, hour: "2-digit", minute: "2-digit", day: "2-digit", month: "short",
  });
}

function tickDays() {
  const nowNs = BigInt(Date.now()) * 1000000n;
  for (const cell of document.querySelectorAll("[data-countdown]")) {
    cell.textContent = countdown(cell.dataset.countdown, nowNs);
  }
}

function renderDays(data) {
  const days = data.operating_days ?? [];
  if (!days.length) {
    $("days").innerHTML = empty("No currency has an operating day yet.");
    return;
  }
  const nowNs = BigInt(Date.now()) * 1000000n;
  const rows = days.map((d) => {
    const next = nextMoment(d, nowNs);
    const report = d.last_report;
    const closedAhead = (d.closed_ahead ?? []).map((c) => `${c.day} ${c.why}`).join("; ");
    return h("tr", { "data-currency": d.currency },
      h("td", {}, d.currency, " ", h("span", { class: "muted" }, d.zone)),
      h("td", {}, d.day),
      h("td", {}, h("span", { class: `day-state ${d.state}` }, d.state)),
      h("td", {}, d.always_open ? "24×7" : `${localTime(d.opens_at, d.zone)} – ${localTime(d.end_of_day_at, d.zone)}`),
      h("td", {}, next ? `${next[0]} at ${localTime(next[1], d.zone)}` : "—"),
      h("td", { class: "num countdown", ...(next ? { "data-countdown": String(next[1]) } : {}) }, next ? countdown(next[1], nowNs) : "—"),
      h("td", {}, closedAhead || "—"),
      h("td", { class: "num" }, report
        ? [formatMinor(report.turnover_minor, d.currency, { withCode: false }), " ", h("span", { class: "muted" }, `${d.last_day}, ${count(report.payments)} payments`)]
        : "—"));
  });
  show("days", dataTable(null, null, ["Currency", "Day", "State", "Hours (local)", "Next", ["Counting down", "num"],
    "Closed days ahead", ["Last day's turnover", "num"]], rows));
  tickDays();
}

function renderSegments(data) {
  const segments = data.segments ?? [];
  if (!segments.length) {
    $("segments").innerHTML = empty("No settled payments yet.");
    return;
  }
  const bySegment = new Map();
  for (const s of segments) {
    const row = bySegment.get(s.segment) ?? { usd: 0, payments: 0, priced: true, values: [] };
    row.payments += s.payments;
    if (s.value_usd === null || s.value_usd === undefined) row.priced = false;
    else row.usd += s.value_usd;
    row.values.push(formatMinor(s.value_minor, s.currency));
    bySegment.set(s.segment, row);
  }
  const rows = [...bySegment.entries()].sort((a, b) => b[1].usd - a[1].usd).map(([name, s]) => ({
    label: name.replace(/_/g, " "),
    text: `${usd(s.usd)}${s.priced ? "" : "+"} · ${count(s.payments)} pmt${s.payments === 1 ? "" : "s"}`,
    parts: [{ value: s.usd, colour: "#3b6fb6", title: `${name}: ${s.values.join(" + ")}` }],
  }));
  const table = segments.map((s) => `<tr><td>${esc(s.segment.replace(/_/g, " "))}</td><td>${esc(s.currency)}</td>
    <td class="num">${esc(count(s.payments))}</td><td class="num">${esc(formatMinor(s.value_minor, s.currency, { withCode: false }))}</td>
    <td class="num">${esc(usd(s.value_usd))}</td></tr>`).join("");
  $("segments").innerHTML = `${barChart(rows, { label: "Settled value per corridor segment in USD", labelWidth: 130, width: 560 })}
    <details><summary>By currency</summary><div class="table-wrap"><table class="data"><thead><tr><th scope="col">Segment</th>
    <th scope="col">Currency</th><th scope="col" class="num">Payments</th><th scope="col" class="num">Value</th>
    <th scope="col" class="num">USD</th></tr></thead><tbody>${table}</tbody></table></div></details>`;
}

// Cumulative USD per day and the annualised run rate (value so far ÷ days elapsed × 365).
function corridorSeries(days) {
  const perDay = new Map();
  for (const d of days ?? []) {
    if (d.value_usd === null || d.value_usd === undefined) continue;
    perDay.set(d.day, (perDay.get(d.day) ?? 0) + d.value_usd);
  }
  const sorted = [...perDay.keys()].sort();
  if (!sorted.length) return [];
  const first = Date.parse(`${sorted[0]}T00:00:00Z`);
  let cumulative = 0;
  return sorted.map((day) => {
    cumulative += perDay.get(day);
    const elapsed = (Date.parse(`${day}T00:00:00Z`) - first) / 86_400_000 + 1;
    return { day, cumulative, runRate: (cumulative / elapsed) * 365 };
  });
}

function corridorTotals(days) {
  const series = corridorSeries(days);
  const last = series[series.length - 1];
  return { cumulative: last?.cumulative ?? 0, runRate: last?.runRate ?? 0 };
}

function renderCorridor(data) {
  const series = corridorSeries(data.days);
  const unpriced = (data.days ?? []).some((d) => d.value_usd === null || d.value_usd === undefined);
  if (!series.length) {
    $("corridor").innerHTML = empty(unpriced
      ? "Settled payments have no USD reference rate yet, so the corridor value cannot be shown."
      : "No settled payments yet.");
    return;
  }
  const last = series[series.length - 1];
  const share = (last.runRate / data.target_usd_2030) * 100;
  $("corridor").innerHTML = `${corridorChart(series, data.target_usd_2030, data.baseline_usd_fy2025)}
    ${legend([["#1f5fae", "cumulative settled value"], ["#c2571a", "annualised run rate"],
    ["#b3261e", "2030 target, USD 100 bn a year"], ["#6b7280", "FY2025 trade, USD 68.7 bn"]])}
    <p class="note">Run rate <strong>${esc(usd(last.runRate))} a year</strong> over ${series.length} day${series.length === 1 ? "" : "s"}
      with settlements: ${esc(share < 0.01 ? share.toExponential(1) : share.toPrecision(2))}% of the 2030 target
      (sample stream).${unpriced ? " Some payments have no USD reference rate and are left out." : ""}</p>`;
}

function renderPayments(data) {
  const rows = (data.recent_payments ?? []).slice(0, PAYMENTS_SHOWN_MAX);
  if (!rows.length) {
    $("payments").innerHTML = empty("No payments yet.");
    return;
  }
  show("payments", dataTable("payments-table", "The newest payments",
    ["UETR", "End-to-end id", "From → to", "Flow", ["Amount", "num"], "State", "Reason"],
    rows.map((p) => {
      const cross = p.source_currency !== p.target_currency;
      return h("tr", { "data-uetr": p.uetr, "data-e2e": p.end_to_end_id },
        h("td", {}, h("code", { title: p.uetr }, `${String(p.uetr).slice(0, 8)}…`)),
        h("td", { class: "e2e" }, p.end_to_end_id),
        h("td", {}, fromTo(p.debtor_agent, p.creditor_agent)),
        h("td", {}, p.flow),
        h("td", { class: "num" }, formatMinor(p.source_amount_minor, p.source_currency), cross
          ? [h("br"), h("span", { class: "muted" }, `→ ${formatMinor(p.target_amount_minor, p.target_currency)}`)]
          : null),
        h("td", {}, h("span", { class: stateClass(p.state) }, p.state)),
        h("td", {}, p.reason_code
          ? [h("code", { title: p.reason ?? "" }, p.reason_code), " ", h("span", { class: "muted" }, p.reason ?? "")]
          : null));
    })));
}

function fromTo(debtor, creditor) {
  return [h("span", { class: "bic" }, debtor), " → ", h("span", { class: "bic" }, creditor)];
}

function renderHolds(data) {
  const holds = Array.isArray(data.holds) ? data.holds : [];
  if (!holds.length) {
    $("holds").innerHTML = `<p class="ok">No payments held for review.</p>`;
    return;
  }
  const decides = data.role === "operator"; // auditors see the queue, never decide
  const headers = ["UETR", "From → to", "Parties", ["Amount", "num"], ["Score", "num"], "Why", "Deadline"];
  show("holds", dataTable("holds-table", null, decides ? [...headers, "Decision"] : headers,
    holds.map((held) => {
      const reason = String(held.reason ?? "");
      return h("tr", { "data-uetr": held.uetr },
        h("td", {}, h("code", { title: held.uetr }, `${String(held.uetr).slice(0, 8)}…`)),
        h("td", {}, fromTo(held.debtor_agent, held.creditor_agent)),
        h("td", {}, `${held.debtor_name || "—"} → ${held.creditor_name || "—"}`),
        h("td", { class: "num" }, formatMinor(held.source_amount_minor, held.source_currency)),
        h("td", { class: "num" }, held.score === null || held.score === undefined ? "—" : Number(held.score).toFixed(1)),
        h("td", { class: "why", title: reason }, reason.length > 140 ? `${reason.slice(0, 140)}…` : reason),
        h("td", {}, time(held.deadline_at)),
        decides ? h("td", { class: "decide" },
          h("button", { type: "button", "data-decision": "release" }, "Release"), " ",
          h("button", { type: "button", "data-decision": "reject", class: "danger" }, "Reject")) : null);
    })));
}

// An operator's decision on a held payment: release (it settles) or reject (RR04), with a reason
// for the audit log.
async function decide(event) {
  const button = event.target.closest("button[data-decision]");
  if (!button) return;
  const uetr = button.closest("tr")?.dataset.uetr;
  const decision = button.dataset.decision;
  const reason = window.prompt(`Reason to ${decision} payment ${uetr} (kept in the audit log):`);
  if (!uetr || !reason || !reason.trim()) return;
  button.disabled = true;
  const response = await fetch(`/v1/compliance/holds/${encodeURIComponent(uetr)}/${decision}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${state.key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ reason: reason.trim() }),
  });
  if (!response.ok) {
    window.alert(`The ${decision} was refused: ${await problemDetail(response)}`);
    button.disabled = false;
    return;
  }
  button.closest("tr").remove(); // decided: the next poll shows where the payment went
}

function renderParticipants(data) {
  const people = data.participants ?? [];
  if (!people.length) {
    $("participants").innerHTML = empty("No participants.");
    return;
  }
  show("participants", dataTable("participants-table", null, ["BIC", "Name", "Country", "Roles", "Status"],
    people.map((p) => h("tr", { "data-bic": p.bic },
      h("td", {}, h("span", { class: "bic" }, p.bic)), h("td", { class: "name" }, p.name),
      h("td", {}, p.country), h("td", {}, (p.roles ?? []).join(", ")),
      h("td", {}, h("span", { class: stateClass(p.status) }, p.status))))));
}

const SECTIONS = [
  renderWho, renderKpis, renderBalances, renderStates, renderSaved, renderSettlement, renderVostro,
  renderSegments, renderCorridor, renderPayments, renderHolds, renderParticipants, renderDays,
];

function render(data) {
  for (const section of SECTIONS) {
    try {
      section(data);
    } catch (error) {
      console.error(`dashboard: ${section.name} failed`, error);
    }
  }
}

// ------------------------------------------------------------------ session and polling
function setLive(ok, text) {
  $("live").classList.toggle("down", !ok);
  $("live-text").textContent = text;
}

function showLogin(message) {
  clearTimeout(state.timer);
  state.key = null;
  state.lastText = null;
  sessionStorage.removeItem(KEY_STORAGE);
  $("dashboard").hidden = true;
  $("session").hidden = true;
  $("login-panel").hidden = false;
  $("login-error").hidden = !message;
  $("login-error").textContent = message ?? "";
  $("key").value = "";
  $("key").focus();
}

function start(key) {
  state.key = key;
  state.lastText = null;
  state.failures = 0;
  sessionStorage.setItem(KEY_STORAGE, key);
  $("login-panel").hidden = true;
  $("session").hidden = false;
  setLive(true, "connecting…");
  poll();
}

async function problemDetail(response) {
  try {
    const body = await response.json();
    return body.detail ?? body.title ?? response.statusText;
  } catch {
    return response.statusText;
  }
}

async function poll() {
  if (!state.key || state.inFlight) return;
  state.inFlight = true;
  const key = state.key;
  let next = POLL_MS;
  try {
    const response = await fetch("/v1/dashboard", {
      headers: { Authorization: `Bearer ${key}`, Accept: "application/json" },
      cache: "no-store",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (key !== state.key) return; // signed out meanwhile
    if (response.status === 401) {
      showLogin(`The API key was refused (401): ${await problemDetail(response)}. Enter a valid key.`);
      return;
    }
    if (response.status === 429) {
      next = 1000 * Number(response.headers.get("Retry-After") ?? 5);
      throw new Error("rate limited");
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${await problemDetail(response)}`);
    const text = await response.text();
    const comparable = text.replace(/"generated_at"\s*:\s*\d+/, "");
    if (comparable !== state.lastText) {
      state.lastText = comparable;
      render(parseDashboard(text));
      $("dashboard").hidden = false;
    }
    state.failures = 0;
    $("banner").hidden = true;
    setLive(true, `live · ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    state.failures += 1;
    setLive(false, `disconnected · retrying`);
    if (state.failures >= 3) {
      $("banner").textContent = `The dashboard cannot reach the service (${error.message}); it keeps trying and shows the last figures it received.`;
      $("banner").hidden = false;
    }
  } finally {
    state.inFlight = false;
    if (state.key === key) state.timer = setTimeout(poll, next);
  }
}

function keyFromFragment() {
  const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
  if (!match) return null;
  // Keep the key out of the address bar, history and anything copied from it.
  history.replaceState(null, "", window.location.pathname + window.location.search);
  return decodeURIComponent(match[1]);
}

function init() {
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key").value.trim();
    if (key) start(key);
  });
  $("sign-out").addEventListener("click", () => showLogin(null));
  $("holds").addEventListener("click", decide);
  setInterval(tickDays, 1000); // the cut-off countdowns move between polls
  const key = keyFromFragment() ?? sessionStorage.getItem(KEY_STORAGE);
  if (key) start(key);
  else showLogin(null);
}

init();
