// The operator console (/admin) in Debian's Chromium against a real backend:
// a non-admin is refused; an admin signs in, sees the charts drawn from the
// asks made in this test, finds a user, changes their tier and sees the
// change in the audit log. The page runs under its strict CSP with no
// console errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ARTIFACTS, account, startBackend, stopProcesses } from "./harness.mjs";

let backend, browser, page;
const admin = account();
const users = [account(), account()];
const consoleErrors = [];

async function api(path, body, token) {
  const response = await fetch(`${backend.url}/api/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

before(async () => {
  backend = await startBackend();
  backend.createAdmin(admin.email, admin.password);
  // Two users ask three questions between them.
  for (const [i, user] of users.entries()) {
    const { access_token: token } = await api("/auth/register", user);
    for (let n = 0; n <= i; n++) await api("/ask", { question: `Question ${n}?` }, token);
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  stopProcesses();
});

async function signIn(who) {
  await page.goto(`${backend.url}/admin`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("the console is served with a strict Content-Security-Policy", async () => {
  const response = await fetch(`${backend.url}/admin`);
  assert.equal(response.status, 200);
  const csp = response.headers.get("content-security-policy");
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe/);
  assert.equal(response.headers.get("x-frame-options"), "DENY");
});

test("a user who is not an admin is refused", async () => {
  await signIn(users[0]);
  await page.getByRole("alert").filter({ hasText: "not an administrator" }).waitFor();
  assert.equal(await page.getByRole("navigation", { name: "Console" }).isVisible(), false);
  await page.screenshot({ path: join(ARTIFACTS, "admin-refused.png") });
});

test("an admin sees the charts of this test's asks", async () => {
  await signIn(admin);
  const numbers = page.getByTestId("key-numbers");
  await numbers.filter({ hasText: "Questions3" }).waitFor();
  await numbers.filter({ hasText: "Signups3" }).waitFor();
  const questions = page.getByRole("img", { name: "Questions per day" });
  await questions.waitFor();
  // Today's bar is the last; it holds the three questions.
  const today = questions.locator("rect.bar").last();
  assert.equal(await today.getAttribute("data-value"), "3");
  assert.ok(Number(await today.getAttribute("height")) > 0);
  const byProvider = page.getByRole("img", { name: "AI cost by provider" });
  await byProvider.locator("text", { hasText: "openai" }).waitFor();
  await page.getByRole("img", { name: "Signups per day" }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "admin-overview.png"), fullPage: true });
});

test("an admin finds a user, changes their tier and sees it in the audit log", async () => {
  const target = users[1];
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Email contains").fill(target.email.split("@")[0]);
  await page.getByRole("button", { name: "Search" }).click();
  // The search's own answer: one row (the list before it had three).
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Users"] tbody tr').length === 1);
  const rows = page.getByRole("table", { name: "Users" }).locator("tbody tr");
  await rows.filter({ hasText: target.email }).click();
  await page.getByRole("heading", { name: target.email }).waitFor();
  await page.locator('[data-field="Questions this month"]').filter({ hasText: "2 of" }).waitFor();
  await page.getByRole("combobox", { name: /^Tier/ }).selectOption("pro");
  await page.getByRole("button", { name: "Set tier" }).click();
  await page.getByRole("status").filter({ hasText: "Tier set to pro." }).waitFor();
  await page.locator('[data-field="Tier"]').filter({ hasText: "pro" }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "admin-user.png"), fullPage: true });

  await page.getByRole("link", { name: "Audit log" }).click();
  const entry = page.getByRole("table", { name: "Audit log" }).locator("tbody tr")
    .filter({ hasText: "admin.user_updated" });
  await entry.waitFor();
  const text = await entry.first().textContent();
  assert.match(text, new RegExp(admin.email.replace(".", "\\.")));
  assert.match(text, /"before": "free"/);
  assert.match(text, /"after": "pro"/);
  await page.screenshot({ path: join(ARTIFACTS, "admin-audit.png"), fullPage: true });
});

test("the page raised no errors (no CSP violation, no script error)", () => {
  // The refused sign-in's 401/403 answers are the only expected failures.
  const unexpected = consoleErrors.filter((e) => !/status of 40[13]/.test(e));
  assert.deepEqual(unexpected, []);
});
