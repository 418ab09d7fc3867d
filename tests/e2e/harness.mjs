// What the end-to-end tests start: the servers of backend.mjs, and a web
// server for test pages that sends a strict Content-Security-Policy (no
// 'wasm-unsafe-eval'), as many large sites do; and axe-core's WCAG check.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { once } from "node:events";
import { chromium } from "playwright-core";
import { ROOT } from "./backend.mjs";

export { ROOT, ARTIFACTS, startBackend, stopProcesses } from "./backend.mjs";

const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'";

/** Serves test pages with a strict CSP; `pages` maps paths to HTML. */
export async function startPages(pages) {
  const server = createServer((req, res) => {
    const html = pages[new URL(req.url, "http://x").pathname];
    if (html === undefined) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": STRICT_CSP });
    res.end(html);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

export const ARTICLE = `<!doctype html><html><head><title>Ownership explained</title></head><body>
<h1>Ownership</h1>
<p id="passage">Each value in Rust has an owner, and there can only be one owner at a time.</p>
<p>When the owner goes out of scope, the value is dropped.</p></body></html>`;

/**
 * Debian's Chromium, headless, with dist/chrome loaded. Returns the browser
 * context and the extension's origin (chrome-extension://ID).
 */
export async function launchChromium(options = {}) {
  const dist = join(ROOT, "dist/chrome");
  const context = await chromium.launchPersistentContext("", {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    ...options,
    args: ["--headless=new", `--disable-extensions-except=${dist}`, `--load-extension=${dist}`,
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const worker = context.serviceWorkers()[0] ?? await context.waitForEvent("serviceworker");
  return { context, base: worker.url().split("/").slice(0, 3).join("/") };
}

/** Opens the extension's popup page in a tab of popup size. */
/**
 * Types `question` into the popup's box and sends it once the popup has
 * restored its last conversation (until then the box takes typing but asks
 * nothing; aria-busy says when it is over).
 */
export async function ask(page, question) {
  const box = page.getByLabel("Your question");
  await box.fill(question);
  await page.locator('textarea[aria-label="Your question"][aria-busy=false]').waitFor();
  await box.press("Enter");
}

export async function openPopup(context, base) {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log("popup error:", e.message));
  await page.setViewportSize({ width: 400, height: 600 });
  await page.goto(`${base}/popup.html`);
  return page;
}

export const jobFixture = (name) => readFileSync(join(ROOT, "tests/fixtures/jobs", name), "utf8");

/** A unique account for one test run. */
export function account() {
  return { email: `e2e-${randomBytes(4).toString("hex")}@example.com`, password: "correct horse battery staple 9" };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core (WCAG 2.0 to 2.2, A and AA) in `frame`, a Playwright frame
 * or a Puppeteer page; returns its violations as "rule: targets".
 */
export async function axeViolations(frame) {
  await frame.evaluate(AXE_SOURCE);
  return frame.evaluate(async () => {
    const result = await globalThis.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}
