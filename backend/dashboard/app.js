// AI Mentor's operator console: a plain ES module served by the backend.
// It signs in through the auth API, reads and changes through the admin API,
// and draws its charts as SVG. Nothing is loaded from elsewhere (the page's
// Content-Security-Policy allows this origin only), and every value from the
// server is set as text, never as markup.

const API = "/api/v1";
const SESSION = "mentor-admin-session";
const main = document.getElementById("main");
const nav = document.getElementById("nav");

// ---- the session (this tab only) -------------------------------------------

const session = {
  get: () => JSON.parse(sessionStorage.getItem(SESSION) ?? "null"),
  set: (value) => sessionStorage.setItem(SESSION, JSON.stringify(value)),
  clear: () => sessionStorage.removeItem(SESSION),
};

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function send(method, path, body, token) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(API + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response;
}

async function refreshTokens() {
  const current = session.get();
  if (!current) return false;
  const response = await send("POST", "/auth/refresh", { refresh_token: current.refresh });
  if (!response.ok) return false;
  const tokens = await response.json();
  session.set({ ...current, access: tokens.access_token, refresh: tokens.refresh_token });
  return true;
}

/** Calls the API as the signed-in admin; refreshes an expired token once. */
async function call(method, path, body, { raw = false } = {}) {
  let response = await send(method, path, body, session.get()?.access);
  if (response.status === 401 && await refreshTokens()) {
    response = await send(method, path, body, session.get()?.access);
  }
  if (response.status === 401) {
    session.clear();
    render();
    throw new ApiError(401, "invalid_token", "Your session has ended; sign in again.");
  }
  if (!response.ok) {
    const error = await response.json().catch(() => ({}));
    throw new ApiError(response.status, error.error ?? "internal", error.message ?? `HTTP ${response.status}`);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

// ---- building the page -----------------------------------------------------

/** An element with attributes (`on*` are listeners) and children (text or nodes). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An SVG element. */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

function alertBox(message) {
  return h("div", { class: "alert", role: "alert" }, message);
}

function failed(error) {
  show(h("h1", {}, "Something went wrong"), alertBox(error.message));
}

const number = (n) => Number(n ?? 0).toLocaleString("en-US");
/** Dollars: cents from a cent up, two significant digits below (AI costs are tiny). */
function usd(text) {
  const value = Number(text ?? 0);
  if (value === 0) return "$0";
  if (Math.abs(value) < 0.01) return `$${value.toPrecision(2)}`;
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
const when = (iso) => (iso ? iso.replace("T", " ").replace(/:\d\dZ$/, " UTC") : "never");

// ---- charts ----------------------------------------------------------------

/**
 * A bar chart of `points` ({label, value, text}) over days: one bar per point
 * with its value as a tooltip, the first and last labels, and the maximum.
 */
function barChart(title, points, format = number) {
  const width = 420, height = 170, left = 64, bottom = 22, top = 12;
  const max = Math.max(0, ...points.map((p) => p.value));
  const plot = width - left - 8;
  const step = plot / Math.max(points.length, 1);
  const y = (v) => top + (height - top - bottom) * (1 - (max ? v / max : 0));
  const bars = points.map((p, i) => s("rect", {
    class: "bar", x: (left + i * step + step * 0.15).toFixed(1), y: y(p.value).toFixed(1),
    width: Math.max(step * 0.7, 1).toFixed(1), height: (height - bottom - y(p.value)).toFixed(1),
    "data-value": p.value,
  }, s("title", {}, `${p.label}: ${format(p.value)}`)));
  return h("figure", { class: "card" },
    h("h2", {}, title),
    s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title },
      s("line", { class: "axis", x1: left, x2: width - 8, y1: height - bottom, y2: height - bottom }),
      s("text", { x: left - 6, y: top + 8, "text-anchor": "end" }, format(max)),
      s("text", { x: left - 6, y: height - bottom, "text-anchor": "end" }, "0"),
      ...bars,
      points.length ? s("text", { x: left, y: height - 6 }, points[0].label) : null,
      points.length > 1 ? s("text", { x: width - 8, y: height - 6, "text-anchor": "end" }, points.at(-1).label) : null));
}

/** Horizontal bars of `lines` ({label, value}), largest first. */
function rankChart(title, lines, format = number) {
  const rowHeight = 26, width = 420, left = 120;
  const max = Math.max(0, ...lines.map((l) => l.value));
  const height = Math.max(lines.length, 1) * rowHeight + 4;
  const rows = lines.map((l, i) => [
    s("text", { x: left - 8, y: i * rowHeight + 16, "text-anchor": "end" }, l.label),
    s("rect", {
      class: "bar alt", x: left, y: i * rowHeight + 4, height: rowHeight - 8,
      width: max ? Math.max(((width - left - 80) * l.value) / max, 1).toFixed(1) : 1, "data-value": l.value,
    }, s("title", {}, `${l.label}: ${format(l.value)}`)),
    s("text", { x: width - 4, y: i * rowHeight + 16, "text-anchor": "end" }, format(l.value)),
  ]);
  return h("figure", { class: "card" }, h("h2", {}, title),
    lines.length
      ? s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title }, ...rows.flat())
      : h("p", { class: "muted" }, "Nothing in this range."));
}

// ---- sign-in ---------------------------------------------------------------

function signIn(message) {
  nav.hidden = true;
  const error = h("div");
  const form = h("form", {
    async onsubmit(event) {
      event.preventDefault();
      const data = new FormData(form);
      error.replaceChildren();
      const response = await send("POST", "/auth/login", { email: data.get("email"), password: data.get("password") });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) return error.replaceChildren(alertBox(body.message ?? `HTTP ${response.status}`));
      if (body.user?.role !== "admin") {
        // Not kept: the console is for administrators only.
        await send("POST", "/auth/logout", { refresh_token: body.refresh_token });
        return error.replaceChildren(alertBox("This account is not an administrator."));
      }
      session.set({ access: body.access_token, refresh: body.refresh_token, email: body.user.email });
      location.hash = "#/overview";
      render();
    },
  },
  h("label", {}, "Email", h("input", { name: "email", type: "email", required: true, autocomplete: "username" })),
  h("label", {}, "Password", h("input", { name: "password", type: "password", required: true, autocomplete: "current-password" })),
  h("button", { type: "submit" }, "Sign in"));
  show(h("section", { class: "card signin" },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, "With an administrator account."),
    message ? alertBox(message) : null, error, form));
}

// ---- overview --------------------------------------------------------------

async function overview() {
  const report = await call("GET", "/admin/analytics");
  const days = report.days;
  const sum = (key) => days.reduce((total, d) => total + Number(d[key] ?? 0), 0);
  const label = (d) => d.date.slice(5);
  const numbers = [
    ["Questions", number(sum("questions"))],
    ["AI cost", usd(days.reduce((t, d) => t + Number(d.cost_usd), 0))],
    ["Active users today", number(days.at(-1)?.active_users)],
    ["Signups", number(sum("signups"))],
    ["Failed asks", number(sum("failed"))],
    ["Monthly recurring revenue", report.revenue ? report.revenue.mrr : "—"],
    ["Paid share of users", `${(report.paid_share * 100).toFixed(1)}%`],
  ];
  const revenue = report.revenue;
  show(
    h("h1", {}, `Overview · ${report.from} to ${report.to}`),
    h("div", { class: "numbers", "data-testid": "key-numbers" },
      numbers.map(([name, value]) => h("div", { class: "number" }, h("span", { class: "muted" }, name), h("b", {}, value)))),
    h("div", { class: "grid" },
      barChart("Questions per day", days.map((d) => ({ label: label(d), value: d.questions }))),
      rankChart("AI cost by provider", report.cost_by_provider.map((l) => ({ label: l.name, value: Number(l.cost_usd) })), usd),
      barChart("Signups per day", days.map((d) => ({ label: label(d), value: d.signups }))),
      revenue
        ? barChart(`New recurring revenue per day (${revenue.currency.toUpperCase()})`,
          days.map((d) => ({ label: label(d), value: (d.new_mrr_minor ?? 0) / 100 })), (v) => v.toFixed(2))
        : h("figure", { class: "card" }, h("h2", {}, "Revenue"), h("p", { class: "muted" }, "Stripe is not configured, or did not answer.")),
      barChart("AI cost per day", days.map((d) => ({ label: label(d), value: Number(d.cost_usd) })), usd),
      rankChart("AI cost by model", report.cost_by_model.map((l) => ({ label: l.name, value: Number(l.cost_usd) })), usd)),
    h("div", { class: "grid" },
      table("Failures by provider", ["Provider", "Outcome", "Count"],
        report.failures.map((f) => [f.provider, f.outcome, number(f.count)])),
      table("Time to first token", ["Provider", "Asks", "p50", "p95"],
        report.time_to_first_token.map((l) => [l.provider, number(l.samples), `${l.p50_ms} ms`, `${l.p95_ms} ms`])),
      table("Users by tier", ["Tier", "Users", "Subscribed"],
        report.tiers.map((t) => [t.tier, number(t.users), number(t.subscribed)])),
      table("Top users by cost", ["User", "Asks", "Cost"],
        report.top_users.map((u) => [u.email ?? `#${u.id} (deleted)`, number(u.asks), usd(u.cost_usd)]))),
    h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => download("/admin/analytics?format=csv", "analytics.csv") }, "Download the daily series (CSV)"),
      " ", h("button", { type: "button", class: "secondary", onclick: () => download("/admin/ledger", "ledger.csv") }, "Download the ledger (CSV)")),
  );
}

function table(title, headings, rows) {
  return h("section", { class: "card" }, h("h2", {}, title),
    rows.length
      ? h("table", {}, h("thead", {}, h("tr", {}, headings.map((t) => h("th", {}, t)))),
        h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))))
      : h("p", { class: "muted" }, "Nothing in this range."));
}

/** Fetches a file with the bearer token and saves it. */
async function download(path, name) {
  const response = await call("GET", path, undefined, { raw: true });
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

// ---- users -----------------------------------------------------------------

/** A search form whose non-empty fields become the `#/route?…` query. */
function searchForm(route, ...fields) {
  const form = h("form", {
    class: "row", role: "search",
    onsubmit(event) {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (v) next.set(k, v);
      location.hash = `#/${route}?${next}`;
    },
  }, ...fields);
  return form;
}

async function users(params) {
  const query = new URLSearchParams(params);
  const page = await call("GET", `/admin/users?${query}`);
  const field = (name, control) => h("label", {}, name, control);
  const select = (name, options) => h("select", { name },
    options.map(([value, text]) => h("option", { value, selected: (query.get(name) ?? "") === value }, text)));
  const form = searchForm("users",
  field("Email contains", h("input", { name: "q", type: "search", value: query.get("q") ?? "" })),
  field("Tier", select("tier", [["", "Any"], ["free", "Free"], ["pro", "Pro"], ["enterprise", "Enterprise"]])),
  field("Status", select("status", [["", "Any"], ["active", "Active"], ["suspended", "Suspended"]])),
  field("Sort by", select("sort", [["created", "Newest"], ["last_sign_in", "Last sign-in"], ["cost", "Cost this month"]])),
  h("button", { type: "submit" }, "Search"));
  const rows = page.users.map((u) => h("tr", {
    class: "clickable", tabindex: 0, onclick: () => { location.hash = `#/users/${u.id}`; },
    onkeydown: (e) => { if (e.key === "Enter") location.hash = `#/users/${u.id}`; },
  },
  h("td", {}, u.email), h("td", {}, u.tier), h("td", {}, u.suspended ? h("span", { class: "tag off" }, "suspended") : "active"),
  h("td", { class: "num" }, number(u.questions_this_month)), h("td", { class: "num" }, usd(u.cost_this_month_usd)),
  h("td", {}, when(u.created_at)), h("td", {}, when(u.last_login_at))));
  const next = page.next_before
    ? h("button", { type: "button", class: "secondary", onclick: () => { query.set("before", page.next_before); location.hash = `#/users?${query}`; } }, "Next page")
    : null;
  show(h("h1", {}, "Users"), form,
    h("table", { "aria-label": "Users" },
      h("thead", {}, h("tr", {}, ["Email", "Tier", "Status", "Questions (month)", "Cost (month)", "Created", "Last sign-in"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No users match.")))),
    h("p", {}, next));
}

async function user(id, notice) {
  const detail = await call("GET", `/admin/users/${id}`);
  const u = detail.user;
  const status = h("div");
  const act = async (work, done) => {
    status.replaceChildren();
    try {
      await work();
      await user(id, done);
    } catch (error) {
      status.replaceChildren(alertBox(error.message));
    }
  };
  const tierForm = h("form", {
    class: "row",
    onsubmit(event) {
      event.preventDefault();
      const data = new FormData(tierForm);
      const body = { tier: data.get("tier") };
      if (data.get("tier_until")) body.tier_until = data.get("tier_until");
      act(() => call("PATCH", `/admin/users/${id}`, body), `Tier set to ${body.tier}.`);
    },
  },
  h("label", {}, "Tier", h("select", { name: "tier" }, ["free", "pro", "enterprise"].map((t) => h("option", { value: t, selected: t === u.tier }, t)))),
  h("label", {}, "Until (optional)", h("input", { name: "tier_until", type: "date" })),
  h("button", { type: "submit" }, "Set tier"));
  const grantForm = h("form", {
    class: "row",
    onsubmit(event) {
      event.preventDefault();
      const questions = Number(new FormData(grantForm).get("questions"));
      act(() => call("POST", `/admin/users/${id}/grant`, { questions }), `Granted ${questions} questions.`);
    },
  },
  h("label", {}, "Extra questions this month", h("input", { name: "questions", type: "number", min: 1, max: 10000, value: 10, required: true })),
  h("button", { type: "submit" }, "Grant"));
  const facts = [
    ["Email", u.email], ["Name", u.full_name ?? "—"], ["Role", u.role], ["Tier", u.tier],
    ["Tier until", u.tier_until ? when(u.tier_until) : "—"], ["Status", u.suspended ? "suspended" : "active"],
    ["Subscription", detail.billing.status ?? "none"], ["Created", when(u.created_at)], ["Last sign-in", when(u.last_login_at)],
    ["Questions this month", `${detail.quota.used} of ${detail.quota.limit ?? "unlimited"}`],
    ["Granted this month", number(detail.granted_this_month)],
    ["Cost this month", usd(u.cost_this_month_usd)], ["Cost all time", usd(detail.cost_all_time_usd)],
    ["Active sessions", number(detail.active_sessions)],
  ];
  show(
    h("p", {}, h("a", { href: "#/users" }, "← Users")),
    h("h1", {}, u.email),
    notice ? h("div", { class: "notice", role: "status" }, notice) : null,
    status,
    h("div", { class: "grid" },
      h("section", { class: "card", "aria-label": "Profile" },
        h("table", {}, h("tbody", {}, facts.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", { "data-field": k }, v)))))),
      h("section", { class: "card" }, h("h2", {}, "Actions"), tierForm, grantForm,
        h("div", { class: "row" },
          h("button", {
            type: "button", class: u.suspended ? "" : "danger",
            onclick: () => act(() => call("PATCH", `/admin/users/${id}`, { suspended: !u.suspended }), u.suspended ? "Restored." : "Suspended; their sessions are revoked."),
          }, u.suspended ? "Restore" : "Suspend"),
          h("button", {
            type: "button", class: "secondary",
            onclick: () => act(() => call("POST", `/admin/users/${id}/revoke-sessions`), "Signed out everywhere."),
          }, "Sign out everywhere"),
          h("button", {
            type: "button", class: "danger",
            async onclick() {
              if (!confirm(`Delete ${u.email} and everything they own? This cannot be undone.`)) return;
              try {
                await call("DELETE", `/admin/users/${id}`);
                location.hash = "#/users";
              } catch (error) {
                status.replaceChildren(alertBox(error.message));
              }
            },
          }, "Delete account")))),
    table("Last asks", ["When", "Model", "Outcome", "Tokens in/out", "Cost", "First token"],
      detail.recent_asks.map((a) => [when(a.at), a.model, a.outcome, `${a.input_tokens} / ${a.output_tokens}`, usd(a.cost_usd), a.ttft_ms === null ? "—" : `${a.ttft_ms} ms`])),
  );
}

// ---- models ----------------------------------------------------------------

async function models(notice) {
  const list = await call("GET", "/admin/models");
  const status = h("div");
  const rows = list.map((m) => {
    const form = h("form", {
      id: `model-${m.id}`,
      async onsubmit(event) {
        event.preventDefault();
        const data = new FormData(form);
        const body = {
          enabled: data.get("enabled") === "on",
          tiers: data.getAll("tiers"),
          input_usd_per_1k: data.get("input"),
          output_usd_per_1k: data.get("output"),
        };
        try {
          await call("PATCH", `/admin/models/${encodeURIComponent(m.id)}`, body);
          await models(`${m.id} saved.`);
        } catch (error) {
          status.replaceChildren(alertBox(error.message));
        }
      },
    });
    const inForm = { form: form.id };
    return h("tr", {},
      h("td", {}, form, h("b", {}, m.display_name), h("div", { class: "muted" }, `${m.id} · ${m.provider}`),
        m.provider_configured ? null : h("span", { class: "tag off" }, "provider not configured"),
        m.overridden ? h("span", { class: "tag" }, "changed here") : null),
      h("td", {}, h("label", {}, "Enabled", h("input", { ...inForm, type: "checkbox", name: "enabled", checked: m.enabled }))),
      h("td", {}, ["free", "pro", "enterprise"].map((t) => h("label", {}, t,
        h("input", { ...inForm, type: "checkbox", name: "tiers", value: t, checked: m.tiers.includes(t) })))),
      h("td", {}, h("label", {}, "In $/1k", h("input", { ...inForm, name: "input", value: m.input_usd_per_1k, size: 9 })),
        h("label", {}, "Out $/1k", h("input", { ...inForm, name: "output", value: m.output_usd_per_1k, size: 9 }))),
      h("td", { class: "num" }, number(m.asks_this_month)), h("td", { class: "num" }, usd(m.cost_this_month_usd)),
      h("td", {}, h("button", { ...inForm, type: "submit" }, "Save")));
  });
  show(h("h1", {}, "Models"),
    h("p", { class: "muted" }, "Changes are kept in the database over the catalogue file; every server sees them within seconds. A disabled model is refused, never replaced by another."),
    notice ? h("div", { class: "notice", role: "status" }, notice) : null, status,
    h("table", { "aria-label": "Models" },
      h("thead", {}, h("tr", {}, ["Model", "", "Tiers", "Prices", "Asks (month)", "Cost (month)", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows)));
}

// ---- audit log -------------------------------------------------------------

async function audit(params) {
  const query = new URLSearchParams(params);
  const page = await call("GET", `/admin/audit?${query}`);
  const form = searchForm("audit",
  ["actor", "target", "action"].map((name) => h("label", {}, name[0].toUpperCase() + name.slice(1),
    h("input", { name, value: query.get(name) ?? "", placeholder: { actor: "email or id", target: "user:42", action: "admin.user_updated" }[name] }))),
  h("label", {}, "From", h("input", { name: "from", type: "date", value: query.get("from") ?? "" })),
  h("label", {}, "To", h("input", { name: "to", type: "date", value: query.get("to") ?? "" })),
  h("button", { type: "submit" }, "Filter"),
  h("button", { type: "button", class: "secondary", onclick: () => { query.set("format", "csv"); download(`/admin/audit?${query}`, "audit.csv"); } }, "CSV"));
  const rows = page.entries.map((e) => h("tr", {},
    h("td", {}, when(e.at)), h("td", {}, e.actor_email ?? e.actor_type), h("td", {}, e.action),
    h("td", {}, e.target_type ? `${e.target_type}:${e.target_id}` : "—"), h("td", {}, e.ip ?? "—"),
    h("td", {}, h("pre", { class: "details" }, JSON.stringify(e.details, null, 1)))));
  show(h("h1", {}, "Audit log"), form,
    h("table", { "aria-label": "Audit log" },
      h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Target", "IP", "Details"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No entries match.")))),
    page.next_before
      ? h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => { query.set("before", page.next_before); location.hash = `#/audit?${query}`; } }, "Older"))
      : null);
}

// ---- routing ---------------------------------------------------------------

async function render() {
  if (!session.get()) return signIn();
  nav.hidden = false;
  const [path, search = ""] = location.hash.slice(1).split("?");
  const params = new URLSearchParams(search);
  for (const link of nav.querySelectorAll("a")) {
    const current = (path || "/overview").startsWith(link.getAttribute("href").slice(1));
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  show(h("p", { class: "muted" }, "Loading…"));
  try {
    const userPage = path.match(/^\/users\/(\d+)$/);
    if (userPage) await user(userPage[1]);
    else if (path === "/users") await users(params);
    else if (path === "/models") await models();
    else if (path === "/audit") await audit(params);
    else await overview();
  } catch (error) {
    if (error.status === 403) {
      session.clear();
      return signIn(error.message);
    }
    if (error.status !== 401) failed(error);
  }
  main.focus();
}

document.getElementById("sign-out").addEventListener("click", async () => {
  const current = session.get();
  session.clear();
  if (current) await send("POST", "/auth/logout", { refresh_token: current.refresh }).catch(() => {});
  location.hash = "";
  render();
});
window.addEventListener("hashchange", render);
render();
