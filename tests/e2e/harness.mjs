// What the end-to-end tests start: the AI provider stand-in, the real
// backend on a fresh SQLite file, and a web server for test pages that sends
// a strict Content-Security-Policy (no 'wasm-unsafe-eval'), as many large
// sites do. Binaries come from the Cargo target directory (MENTOR_TARGET_DIR).
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, mkdirSync } from "node:fs";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHmac, randomBytes } from "node:crypto";
import { once } from "node:events";
import { chromium } from "playwright-core";

export const ROOT = resolve(import.meta.dirname, "../..");
const TARGET = process.env.MENTOR_TARGET_DIR ?? join(ROOT, "target");
export const ARTIFACTS = join(ROOT, "tests/artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

const children = [];

/** Stops what the harness started (call from `after`), so the test file can exit. */
export function stopProcesses() {
  for (const child of children.splice(0)) child.kill("SIGTERM");
}
process.on("exit", stopProcesses);

async function freePort() {
  const server = netServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  return port;
}

function start(command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  child.log = "";
  child.stderr.on("data", (d) => { child.log += d; });
  return child;
}

async function waitFor(url, child) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited\n${child.log}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer\n${child.log}`);
}

/** Starts `mentor-stand-ins <args>`; returns the URL it prints. */
async function startStandIn(args) {
  const standIn = start(join(TARGET, "debug/mentor-stand-ins"), args);
  const [line] = await once(standIn.stdout, "data");
  return String(line).trim();
}

/**
 * The AI stand-in (recording what it receives) and a backend using it; with
 * `{ billing: true }` also the Stripe stand-in, and billing turned on.
 */
export async function startBackend({ billing = false } = {}) {
  const aiUrl = await startStandIn(["ai", "127.0.0.1:0", "--record"]);
  const stripeUrl = billing ? await startStandIn(["stripe", "127.0.0.1:0"]) : undefined;
  const stripeEnv = billing ? {
    STRIPE_SECRET_KEY: "sk_test_e2e",
    STRIPE_WEBHOOK_SECRET: "whsec_e2e",
    STRIPE_PRICE_PRO: "price_pro",
    STRIPE_PRICE_ENTERPRISE: "price_enterprise",
    STRIPE_API_BASE: stripeUrl,
  } : {};
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "mentor-e2e-"));
  const databaseUrl = `sqlite://${join(dir, "e2e.db")}`;
  const backend = start(join(TARGET, "debug/mentor"), ["serve"], {
    JWT_SECRET: randomBytes(32).toString("hex"),
    DATABASE_URL: databaseUrl,
    MENTOR_BIND: `127.0.0.1:${port}`,
    OPENAI_API_KEY: "sk-e2e-stand-in",
    OPENAI_BASE_URL: `${aiUrl}/v1`,
    MENTOR_DEMO_PROVIDER: "0",
    RUST_LOG: "warn",
    ...stripeEnv,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, backend);
  return {
    url,
    /** Creates an admin account as an operator does: `mentor admin create`. */
    createAdmin(email, password) {
      const run = spawnSync(join(TARGET, "debug/mentor"), ["admin", "create", "--email", email], {
        env: { ...process.env, DATABASE_URL: databaseUrl, MENTOR_ADMIN_PASSWORD: password },
        encoding: "utf8",
      });
      if (run.status !== 0) throw new Error(`mentor admin create: ${run.stderr}`);
    },
    /** The chat requests the stand-in received (OpenAI wire format). */
    async aiRequests() {
      return (await fetch(`${aiUrl}/_stand-in/requests`)).json();
    },
    /** The Stripe stand-in's address, when billing is on. */
    stripeUrl,
    /** Posts a Stripe event wrapping `object` to the webhook, signed as Stripe signs. */
    async stripeEvent(type, object) {
      const created = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        id: `evt_${randomBytes(8).toString("hex")}`, object: "event", type, created, data: { object },
      });
      const signature = createHmac("sha256", stripeEnv.STRIPE_WEBHOOK_SECRET)
        .update(`${created}.${body}`).digest("hex");
      return fetch(`${url}/api/v1/webhooks/stripe`, {
        method: "POST", body,
        headers: { "content-type": "application/json", "stripe-signature": `t=${created},v1=${signature}` },
      });
    },
    /** The requests the Stripe stand-in received, form fields as objects. */
    async stripeRequests() {
      return (await fetch(`${stripeUrl}/_stand-in/requests`)).json();
    },
  };
}

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

export const jobFixture = (name) => readFileSync(join(ROOT, "tests/fixtures/jobs", name), "utf8");

/** A unique account for one test run. */
export function account() {
  return { email: `e2e-${randomBytes(4).toString("hex")}@example.com`, password: "correct horse battery staple 9" };
}
