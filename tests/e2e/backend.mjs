// The servers the end-to-end and SDK tests start: the AI provider stand-in
// (and the Stripe one) and the real backend on a fresh SQLite file. Binaries
// come from the Cargo target directory (MENTOR_TARGET_DIR). No npm package
// is needed here, so other test folders can import it.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHmac, randomBytes } from "node:crypto";
import { once } from "node:events";

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
  // The server logs to stdout, its errors to stderr: keep both.
  child.stdout.on("data", (d) => { child.log += d; });
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
 * `{ billing: true }` also the Stripe stand-in, and billing turned on; with
 * `{ mail: true }` a real SMTP server that the backend's mail goes to; `env`
 * adds or overrides the backend's variables.
 */
export async function startBackend({ billing = false, mail = false, env = {} } = {}) {
  const aiUrl = await startStandIn(["ai", "127.0.0.1:0", "--record"]);
  const [inboxUrl, smtpUrl] = mail ? (await startStandIn(["smtp", "127.0.0.1:0"])).split(" ") : [];
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
  const backendEnv = {
    JWT_SECRET: randomBytes(32).toString("hex"),
    DATABASE_URL: databaseUrl,
    MENTOR_BIND: `127.0.0.1:${port}`,
    OPENAI_API_KEY: "sk-e2e-stand-in",
    OPENAI_BASE_URL: `${aiUrl}/v1`,
    // Every provider's address is the stand-in, for keys users bring.
    ANTHROPIC_BASE_URL: aiUrl,
    GEMINI_BASE_URL: aiUrl,
    DEEPSEEK_BASE_URL: `${aiUrl}/v1`,
    GROQ_BASE_URL: `${aiUrl}/v1`,
    XAI_BASE_URL: `${aiUrl}/v1`,
    MENTOR_DEMO_PROVIDER: "0",
    // Mail goes to files in the test's folder; the flows tested here do not
    // wait for the address to be verified.
    MENTOR_MAIL_OUTBOX: join(dir, "outbox"),
    ...(mail ? { SMTP_URL: smtpUrl, MENTOR_MAIL_RETRY_SECS: "1" } : {}),
    MENTOR_REQUIRE_VERIFIED_EMAIL: "0",
    RUST_LOG: "warn",
    ...stripeEnv,
    ...env,
  };
  let backend = start(join(TARGET, "debug/mentor"), ["serve"], backendEnv);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, backend);
  return {
    url,
    /** Stops the backend (SIGKILL: as a crash or a lost network would). */
    async stop() {
      backend.kill("SIGKILL");
      if (backend.exitCode === null && backend.signalCode === null) await once(backend, "exit");
    },
    /** Starts it again on the same address and database. */
    async restart() {
      backend = start(join(TARGET, "debug/mentor"), ["serve"], backendEnv);
      await waitFor(`${url}/health`, backend);
    },
    /** Makes the AI stand-in pause this long before each piece of an answer. */
    async slowAnswers(ms) {
      await fetch(`${aiUrl}/_stand-in/delay/${ms}`, { method: "POST" });
    },
    /** Runs the `mentor` command on this backend's database; returns its output. */
    mentor(args, extraEnv = {}) {
      const run = spawnSync(join(TARGET, "debug/mentor"), args, {
        env: { ...process.env, DATABASE_URL: databaseUrl, ...extraEnv },
        encoding: "utf8",
      });
      if (run.status !== 0) throw new Error(`mentor ${args.join(" ")}: ${run.stderr}`);
      return run.stdout;
    },
    /** Creates an admin account as an operator does: `mentor admin create`. */
    createAdmin(email, password) {
      this.mentor(["admin", "create", "--email", email], { MENTOR_ADMIN_PASSWORD: password });
    },
    /** What the backend has logged so far. */
    log() {
      return backend.log;
    },
    /** The AI stand-in's address. */
    aiUrl,
    /** With `mail`: what the SMTP server received, `[{to, subject, text}]`. */
    async mails() {
      return (await fetch(`${inboxUrl}/messages`)).json();
    },
    /** With `mail`: waits for a mail to `to` whose text holds `needle`; its first link to `page`. */
    async mailedLink(to, page, needle = page) {
      for (let i = 0; i < 200; i++) {
        const found = (await this.mails()).filter((m) => m.to.includes(to) && m.text.includes(needle));
        const link = found.at(-1)?.text.match(new RegExp(`${url}${page}\\?token=[A-Za-z0-9_-]+`))?.[0];
        if (link) return link;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no mail to ${to} with a ${page} link`);
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
