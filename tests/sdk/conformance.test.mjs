// The official `openai` Node package (pinned in package.json) against the
// real backend's OpenAI-compatible endpoint and the AI stand-in; then the
// official Python package (pinned in requirements.txt) runs
// conformance.py against the same backend. Run by scripts/test.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { startBackend, stopProcesses } from "../e2e/backend.mjs";

const ANSWER = "Hello from the **stand-in**.";
const PASSWORD = "correct horse battery staple";
let backend;
let key; // a Pro user's API key
let spentKey; // an API key whose user has used the month's questions

async function call(path, { token, body, method = "POST" } = {}) {
  const response = await fetch(`${backend.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => null);
  assert.ok(response.ok, `${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** A Pro user (as an operator makes one) and a new API key of theirs. */
async function proUserKey(email) {
  const { access_token: token } = await call("/api/v1/auth/register", { body: { email, password: PASSWORD } });
  backend.mentor(["admin", "users", "set-tier", email, "pro"]);
  return (await call("/api/v1/api-keys", { token, body: { name: "sdk" } })).key;
}

/** Chat requests the AI stand-in has received. */
async function upstreamCalls() {
  return (await backend.aiRequests()).filter((r) => r.body !== null).length;
}

before(async () => {
  const config = join(mkdtempSync(join(tmpdir(), "mentor-sdk-")), "plans.toml");
  writeFileSync(config, "[plans.pro]\nmonthly_questions = 40\nper_minute = 1000\n");
  backend = await startBackend({ env: { MENTOR_CONFIG: config } });
  key = await proUserKey("node@example.com");
  spentKey = await proUserKey("spent@example.com");
  const spent = new OpenAI({ baseURL: `${backend.url}/v1`, apiKey: spentKey });
  for (let i = 0; i < 40; i++) {
    await spent.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
  }
});

after(stopProcesses);

const client = () => new OpenAI({ baseURL: `${backend.url}/v1`, apiKey: key });
const hi = { model: "gpt-4o-mini", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] };

test("a plain completion", async () => {
  const completion = await client().chat.completions.create(hi);
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.choices[0].message.content, ANSWER);
  assert.equal(completion.choices[0].finish_reason, "stop");
  assert.deepEqual(completion.usage, { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
});

test("streaming, without and with include_usage", async () => {
  const chunks = [];
  for await (const chunk of await client().chat.completions.create({ ...hi, stream: true })) chunks.push(chunk);
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), ANSWER);
  assert.ok(chunks.every((c) => c.usage === undefined || c.usage === null));
  assert.equal(chunks.at(-1).choices[0].finish_reason, "stop");

  const withUsage = [];
  const stream = await client().chat.completions.create({ ...hi, stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) withUsage.push(chunk);
  const last = withUsage.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.total_tokens, 17);
  assert.equal(withUsage.slice(0, -1).map((c) => c.choices[0].delta.content ?? "").join(""), ANSWER);
});

test("models.list and models.retrieve", async () => {
  const ids = [];
  for await (const model of client().models.list()) ids.push(model.id);
  assert.ok(ids.includes("gpt-4o-mini"), ids.join(","));
  assert.equal((await client().models.retrieve("gpt-4o-mini")).id, "gpt-4o-mini");
});

test("a bad key raises AuthenticationError", async () => {
  const bad = new OpenAI({ baseURL: `${backend.url}/v1`, apiKey: `aim_${"0".repeat(16)}_${"0".repeat(64)}` });
  await assert.rejects(bad.chat.completions.create(hi), (e) => e instanceof OpenAI.AuthenticationError && e.code === "invalid_api_key");
});

test("an exhausted quota raises RateLimitError at once, with no retry", async () => {
  let requests = 0;
  const counting = (url, init) => { requests += 1; return fetch(url, init); };
  const spent = new OpenAI({ baseURL: `${backend.url}/v1`, apiKey: spentKey, maxRetries: 2, fetch: counting });
  const upstream = await upstreamCalls();
  await assert.rejects(spent.chat.completions.create(hi), (e) => e instanceof OpenAI.RateLimitError && e.code === "insufficient_quota");
  assert.equal(requests, 1, "the SDK retried");
  assert.equal(await upstreamCalls(), upstream, "the provider was called");
});

test("an unknown model raises NotFoundError", async () => {
  await assert.rejects(
    client().chat.completions.create({ ...hi, model: "gpt-nope" }),
    (e) => e instanceof OpenAI.NotFoundError && e.code === "model_not_found",
  );
});

test("the official Python package passes the same checks", async () => {
  const python = process.env.MENTOR_SDK_PYTHON ?? "python3";
  const run = spawnSync(python, [join(import.meta.dirname, "conformance.py")], {
    env: {
      ...process.env,
      MENTOR_SDK_BASE_URL: `${backend.url}/v1`,
      MENTOR_SDK_KEY: await proUserKey("python@example.com"),
      MENTOR_SDK_SPENT_KEY: spentKey,
      MENTOR_SDK_STAND_IN: backend.aiUrl,
    },
    encoding: "utf8",
  });
  process.stdout.write(run.stdout);
  assert.equal(run.status, 0, run.stderr);
});
