// Scale-out and fault test, real processes on loopback: three `mentor
// serve` replicas behind Debian's nginx, sharing one PostgreSQL and one
// Redis that this script starts for itself (so that it can stop and kill
// them without touching the machine's own), and the AI stand-in counting
// every call it receives. It prints what it measured and fails when:
//   - the fixed-rate load through nginx has an error;
//   - one user asking from all three replicas at once gets past the quota;
//   - after `kill -9` of a replica mid-load, nginx does not route around
//     it, or the ledger does not match the upstream calls the stand-in
//     counted, or a question stays counted after the sweep;
//   - with PostgreSQL stopped mid-load, requests do not fail fast with 503,
//     or do not succeed again within seconds once it is back;
//   - with Redis stopped, a request fails or the fallback is not logged,
//     and the shared limits are not logged back once it returns.
// Usage: node tests/scale/run.mjs [RATE] [SECONDS]   (defaults 100, 20)
// Needs MENTOR_TARGET_DIR (debug binaries), PG_BIN (PostgreSQL's bin
// directory) and nginx on the PATH; scripts/scale-test.sh provides them.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = resolve(import.meta.dirname, "../..");
const TARGET = process.env.MENTOR_TARGET_DIR ?? join(ROOT, "target");
const MENTOR = join(TARGET, "debug/mentor");
const PG_BIN = process.env.PG_BIN;
const RATE = Number(process.argv[2] ?? 100);
const SECONDS = Number(process.argv[3] ?? 20);
/** The free plan's monthly questions: the quota the concurrent test hits. */
const QUOTA = 25;
const PASSWORD = "scale test password 2026";

const dir = mkdtempSync(join(tmpdir(), "mentor-scale-"));
chmodSync(dir, 0o755);
const children = new Set();
let failures = 0;

function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"}  ${what}`);
  if (!ok) failures++;
}

async function freePort() {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts a long-running process; its output goes to DIR/NAME.log. */
function start(name, command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.log = "";
  child.stdout.on("data", (d) => { child.log += d; });
  child.stderr.on("data", (d) => { child.log += d; });
  child.name = name;
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function stopAll() {
  // nginx's workers outlive a master killed with SIGKILL; SIGTERM makes the
  // master stop them first.
  for (const child of children) child.kill(child.name === "nginx" ? "SIGTERM" : "SIGKILL");
  try { pg("stop", "-m", "immediate"); } catch {}
}
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));

async function until(what, probe, seconds = 30) {
  for (let i = 0; i < seconds * 10; i++) {
    try { if (await probe()) return; } catch {}
    await sleep(100);
  }
  throw new Error(`${what} did not happen within ${seconds} s`);
}

// ---- PostgreSQL of its own (initdb refuses root: run it as postgres).
const asPostgres = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
function run(argv) {
  return execFileSync(argv[0], argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
// Its data, log and socket live in DIR/pg, which the server's user owns.
const pgRoot = join(dir, "pg");
const pgData = join(pgRoot, "data");
const pgPort = await freePort();
run(asPostgres.length ? ["install", "-d", "-o", "postgres", "-m", "700", pgRoot] : ["mkdir", "-m", "700", pgRoot]);
run([...asPostgres, join(PG_BIN, "initdb"), "-D", pgData, "-A", "trust", "-U", "postgres", "--no-sync"]);
function pg(...args) {
  return run([...asPostgres, join(PG_BIN, "pg_ctl"), "-D", pgData, "-w", "-l", join(pgRoot, "pg.log"),
    "-o", `-p ${pgPort} -k ${pgRoot} -c listen_addresses=127.0.0.1 -c max_connections=200`, ...args]);
}
pg("start");
const databaseUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres?sslmode=disable`;
function sql(query) {
  return run(["psql", databaseUrl, "-Atqc", query]).trim();
}

// ---- Redis of its own.
const redisPort = await freePort();
const startRedis = () => start("redis", "redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
let redis = startRedis();
await until("Redis", () => run(["redis-cli", "-p", String(redisPort), "ping"]).includes("PONG"));

// ---- The AI stand-in, counting calls.
const ai = start("ai", join(TARGET, "debug/mentor-stand-ins"), ["ai", "127.0.0.1:0", "--record"]);
const aiUrl = await new Promise((r) => ai.stdout.once("data", (d) => r(String(d).trim())));
const upstreamCalls = async () => (await (await fetch(`${aiUrl}/_stand-in/requests`)).json()).length;

// ---- Three replicas, migrated once before they start.
const config = join(dir, "mentor.toml");
writeFileSync(config, `[plans.free]\nmonthly_questions = ${QUOTA}\nper_minute = 100000\n`);
const env = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  JWT_SECRET: randomBytes(32).toString("hex"),
  MENTOR_CONFIG: config,
  MENTOR_AUTH_RATE_PER_MINUTE: "1000000",
  MENTOR_MAIL_OUTBOX: join(dir, "outbox"),
  MENTOR_DB_POOL_SIZE: "8",
  OPENAI_API_KEY: "sk-scale-stand-in",
  OPENAI_BASE_URL: `${aiUrl}/v1`,
  MENTOR_DEMO_PROVIDER: "0",
  MENTOR_TRUSTED_PROXIES: "127.0.0.1",
  RUST_LOG: "info",
};
run(["env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), MENTOR, "migrate"]);
const replicas = [];
for (let i = 0; i < 3; i++) {
  const port = await freePort();
  const child = start(`replica${i + 1}`, MENTOR, ["serve"], { ...env, MENTOR_BIND: `127.0.0.1:${port}` });
  replicas.push({ port, child, url: `http://127.0.0.1:${port}` });
}
for (const r of replicas) await until(`${r.child.name} ready`, async () => (await fetch(`${r.url}/ready`)).ok);

// ---- nginx in front (Debian's package), its files in DIR, with the
// client-address headers of the shipped config.
const nginxPort = await freePort();
const shippedHeaders = readFileSync(join(ROOT, "backend/deploy/compose/nginx.conf"), "utf8")
  .split("\n").map((l) => l.trim()).filter((l) => /^proxy_set_header (X-Forwarded-For|Forwarded) /.test(l));
if (shippedHeaders.length !== 2) throw new Error(`expected the shipped nginx.conf to set X-Forwarded-For and Forwarded: ${shippedHeaders}`);
writeFileSync(join(dir, "nginx.conf"), `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
${process.getuid?.() === 0 ? "user root;" : ""}
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  upstream mentor {
${replicas.map((r) => `    server 127.0.0.1:${r.port} max_fails=1 fail_timeout=10s;`).join("\n")}
    keepalive 64;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://mentor;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      ${shippedHeaders.join("\n      ")}
      proxy_buffering off;
      # A replica that refuses the connection is skipped at once; a request
      # already sent is never sent twice (it may have been answered).
      proxy_next_upstream error timeout;
      proxy_connect_timeout 1s;
    }
  }
}
`);
start("nginx", "nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"]);
const front = `http://127.0.0.1:${nginxPort}`;
await until("nginx", async () => (await fetch(`${front}/health`)).ok);

// ---- 0. A forged client address does not get through the shipped headers.
console.log("\n== A sign-in through nginx with a forged X-Forwarded-For and Forwarded");
{
  await fetch(`${front}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.9", forwarded: "for=198.51.100.9" },
    body: JSON.stringify({ email: "forged@example.com", password: "not a password at all" }),
  });
  const ip = sql("SELECT ip FROM audit_log WHERE action = 'auth.sign_in_failed' AND actor_email = 'forged@example.com'");
  console.log(`the audit log recorded ${ip}`);
  check(ip === "127.0.0.1", "the audit log records the address nginx saw, not the one the client wrote");
}

// ---- Helpers: users and asks.
let userCount = 0;
async function users(n) {
  const tokens = [];
  for (let i = 0; i < n; i++) {
    const email = `user${userCount++}@example.com`;
    const reply = await fetch(`${front}/api/v1/auth/register`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    if (reply.status !== 201) throw new Error(`register: ${reply.status} ${await reply.text()}`);
    tokens.push((await reply.json()).access_token);
  }
  return tokens;
}

async function ask(base, token) {
  const started = performance.now();
  try {
    const reply = await fetch(`${base}/api/v1/ask`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ question: "What should I learn next?" }),
    });
    const body = await reply.text();
    let code;
    try { code = JSON.parse(body).error; } catch {}
    return { status: reply.status, code, ms: performance.now() - started, at: started };
  } catch (e) {
    return { status: 0, code: String(e.cause?.code ?? e), ms: performance.now() - started, at: started };
  }
}

/** Asks at a fixed rate for `seconds` through nginx, spread over `tokens`; `events` run at their times (s). */
async function load(name, tokens, seconds, events = []) {
  const results = [];
  const t0 = performance.now();
  const timers = events.map(([at, action]) => sleep(at * 1000).then(action));
  const total = Math.round(RATE * seconds);
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(ask(front, tokens[i % tokens.length]).then((r) => { r.at -= t0; results.push(r); }));
  }
  await Promise.all(pending);
  await Promise.all(timers);
  results.t0 = t0;
  const elapsed = (performance.now() - t0) / 1000;
  const ok = results.filter((r) => r.status === 200).map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p) => (ok.length ? ok[Math.min(ok.length - 1, Math.floor(ok.length * p))].toFixed(1) : "-");
  const errors = {};
  for (const r of results) if (r.status !== 200) errors[`${r.status} ${r.code ?? ""}`.trim()] = (errors[`${r.status} ${r.code ?? ""}`.trim()] ?? 0) + 1;
  console.log(`${name}: ${results.length} asks in ${elapsed.toFixed(1)} s (${(results.length / elapsed).toFixed(0)}/s offered ${RATE}/s), ` +
    `ok ${ok.length}, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, errors ${JSON.stringify(errors)}`);
  return results;
}

const perUser = Math.floor(QUOTA * 0.8);

// ---- 1. A fixed-rate load through nginx: no errors.
console.log(`\n== Fixed-rate load: ${RATE} asks/s for ${SECONDS} s through nginx to 3 replicas`);
{
  const tokens = await users(Math.ceil((RATE * SECONDS) / perUser));
  const results = await load("load", tokens, SECONDS);
  check(results.every((r) => r.status === 200), "every ask answered 200");
}

// ---- 2. One user asking from all three replicas at once never passes the quota.
console.log(`\n== Quota across replicas: 60 concurrent asks, ${QUOTA} allowed`);
{
  const [token] = await users(1);
  const results = await Promise.all(Array.from({ length: 60 }, (_, i) => ask(replicas[i % 3].url, token)));
  const answered = results.filter((r) => r.status === 200).length;
  const refused = results.filter((r) => r.status === 429 && r.code === "quota_exceeded").length;
  console.log(`answered ${answered}, quota_exceeded ${refused}`);
  check(answered === QUOTA && refused === 60 - QUOTA, `exactly ${QUOTA} answered, the rest quota_exceeded`);
}

// ---- 3. kill -9 of one replica mid-load, with slow answers so that the
// replica dies with asks in flight.
console.log(`\n== kill -9 of replica 3 mid-load (answers take 300 ms)`);
{
  const tokens = await users(Math.ceil((RATE * 10) / perUser));
  await fetch(`${aiUrl}/_stand-in/delay/100`, { method: "POST" });
  const results = await load("load with a kill", tokens, 10, [[3, () => replicas[2].child.kill("SIGKILL")]]);
  const after = results.filter((r) => r.at > 4000);
  const failedAfter = after.filter((r) => r.status !== 200).length;
  const failed = results.filter((r) => r.status !== 200).length;
  console.log(`failed: ${failed} in all (asks in flight on the killed replica), ${failedAfter} from 1 s after the kill`);
  check(failedAfter === 0, "nginx routes around the killed replica (no failure from 1 s after the kill)");
  await fetch(`${aiUrl}/_stand-in/delay/0`, { method: "POST" });
}
// The killed replica's open asks are given back by the sweep: run here
// rather than waited for (10 minutes), when no ask is in progress, so that
// none is taken early.
async function ledgerChecks(when) {
  await sleep(500);
  console.log(run(["env", `DATABASE_URL=${databaseUrl}`, MENTOR, "sweep", "--older-than-secs", "0"]).trim());
  const calls = await upstreamCalls();
  const settled = Number(sql("SELECT count(*) FROM usage_events WHERE outcome <> 'abandoned'"));
  const abandoned = Number(sql("SELECT count(*) FROM usage_events WHERE outcome = 'abandoned'"));
  console.log(`upstream calls ${calls}; ledger rows: settled ${settled}, abandoned (swept) ${abandoned}`);
  // Each settled row is one call; a swept ask died before or after its call.
  check(settled <= calls && calls <= settled + abandoned, `${when}: the ledger matches the upstream calls (none lost, none doubled)`);
  const open = Number(sql("SELECT count(*) FROM open_asks"));
  const mismatched = Number(sql(`SELECT count(*) FROM (SELECT q.used,
      (SELECT count(*) FROM usage_events e WHERE e.user_id = q.user_id AND e.charged) AS charged
      FROM quota_usage q) t WHERE used <> charged`));
  check(open === 0 && mismatched === 0, `${when}: no ask is left open and every user's count equals their charged asks`);
}
await ledgerChecks("after the kill");

// ---- 4. PostgreSQL stopped mid-load, then started again.
console.log(`\n== PostgreSQL stopped at 3 s for 4 s`);
{
  const tokens = await users(Math.ceil((RATE * 12) / perUser));
  let startedAt;
  const results = await load("load with PostgreSQL down", tokens, 12, [
    [3, () => pg("stop", "-m", "fast")],
    [7, () => { pg("start"); startedAt = performance.now(); }],
  ]);
  const failed = results.filter((r) => r.status !== 200);
  const statuses = [...new Set(failed.map((r) => r.status))];
  const slowest = Math.max(0, ...failed.map((r) => r.ms));
  const lastFailure = Math.max(0, ...failed.map((r) => r.at));
  const recovered = (lastFailure - (startedAt - results.t0)) / 1000;
  console.log(`failed ${failed.length} with ${JSON.stringify(statuses)}, slowest failure ${slowest.toFixed(0)} ms; ` +
    (recovered > 0 ? `last failure ${recovered.toFixed(1)} s after PostgreSQL was back` : "no failure once PostgreSQL was back"));
  check(failed.length > 0 && failed.every((r) => r.status === 503), "while it is down, asks fail with 503");
  check(slowest < 1000, "failures are fast (each under 1 s)");
  check(recovered < 5, "asks succeed again within 5 s of PostgreSQL's return, replicas not restarted");
}

// ---- 5. Redis stopped, then started again.
console.log(`\n== Redis stopped at 2 s for 4 s`);
{
  const tokens = await users(Math.ceil((RATE * 10) / perUser));
  const results = await load("load with Redis down", tokens, 10, [
    [2, () => redis.kill("SIGTERM")],
    [6, () => { redis = startRedis(); }],
  ]);
  check(results.every((r) => r.status === 200), "every ask answered 200 without Redis");
  await sleep(1000);
  const live = replicas.slice(0, 2);
  check(live.every((r) => r.child.log.includes("Redis is unreachable")), "each replica logs the per-process fallback");
  check(live.every((r) => r.child.log.includes("Redis is back")), "each replica logs the shared limits back");
}

console.log("\n== The ledger at the end");
await ledgerChecks("at the end");

console.log(failures ? `\n${failures} check(s) failed; logs in ${dir}` : "\nall scale and fault checks passed");
stopAll();
if (!failures) rmSync(dir, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
