// The built extension (dist/chrome) in Debian's Chromium against a real
// backend: options, sign-up, a streamed answer and the usage meter, sign out
// and in, history, upgrading through Stripe Checkout and the portal (the
// Stripe stand-in), the in-page panel on a page with a strict CSP, a PDF
// resume uploaded in the Resume tab, and on a job posting the match card,
// Save job and "Ask about this job" with the resume as context; then the
// saved job in the Jobs tab and the Skills chart; last, from the Account
// view, a provider key checked and saved and an API key shown once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  ARTICLE, ARTIFACTS, ROOT, account, ask, jobFixture, launchChromium, openPopup, startBackend, startPages,
  stopProcesses,
} from "./harness.mjs";

let backend, pages, context, base;
const user = account();

before(async () => {
  // A master key lets users bring their own provider keys; info-level logs
  // let the keys test check that no key is ever logged.
  backend = await startBackend({
    billing: true,
    env: { MENTOR_MASTER_KEY: randomBytes(32).toString("hex"), RUST_LOG: "info" },
  });
  pages = await startPages({ "/article.html": ARTICLE, "/job.html": jobFixture("workday-jsonld.html") });
  ({ context, base } = await launchChromium({ viewport: { width: 1100, height: 800 } }));
});

after(async () => {
  await context?.close();
  pages?.close();
  stopProcesses();
});

const popup = () => openPopup(context, base);

test("the options page points the extension at the backend", async () => {
  const page = await context.newPage();
  await page.goto(`${base}/options.html`);
  await page.getByLabel("Server address").fill(backend.url);
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  await page.close();
});

test("a new user signs up, asks, sees the answer stream in and the meter move", async () => {
  const page = await popup();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("alert").filter({ hasText: "at least 12 characters" }).waitFor();
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  const usage = page.getByTestId("usage");
  await usage.filter({ hasText: /^0 of \d+ questions$/ }).waitFor();

  await ask(page, "What does **ownership** mean?");
  await page.getByTestId("answer").filter({ hasText: "Hello from the stand-in." }).waitFor();
  // The answer's markdown arrives split across deltas and is rendered whole.
  await page.getByTestId("answer").locator("strong", { hasText: "stand-in" }).waitFor();
  await usage.filter({ hasText: /^1 of \d+ questions$/ }).waitFor();
  await page.getByRole("button", { name: "Copy" }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-popup-answer.png") });

  // A follow-up continues the same conversation.
  await ask(page, "And borrowing?");
  await usage.filter({ hasText: /^2 of \d+ questions$/ }).waitFor();
  const sent = await backend.aiRequests();
  const last = sent.at(-1).body.messages.map((m) => m.content).join("\n");
  assert.match(last, /What does \*\*ownership\*\* mean\?/);
  assert.match(last, /And borrowing\?/);

  await page.close();
});

test("history lists the conversation, opens it and deletes it", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "History" }).click();
  await page.getByRole("button", { name: /^What does/ }).click();
  await page.getByText("And borrowing?").waitFor();
  // The stored answers are rendered too.
  assert.equal(await page.getByTestId("answer").locator("strong", { hasText: "stand-in" }).count(), 2);
  await page.getByRole("tab", { name: "History" }).click();
  await page.getByRole("button", { name: /^Delete What does/ }).click();
  await page.getByText("No conversations yet.").waitFor();
  await page.close();
});

test("Upgrade opens Stripe Checkout in a new tab; once Stripe reports the subscription the popup shows Pro", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "Account" }).click();
  const [checkout] = await Promise.all([
    context.waitForEvent("page"),
    page.getByRole("button", { name: "Upgrade to Pro" }).click(),
  ]);
  await checkout.waitForURL(`${backend.stripeUrl}/c/pay/cs_test_*`);
  await checkout.close();
  const session = (await backend.stripeRequests()).find((r) => r.path === "/v1/checkout/sessions");
  assert.equal(session.form["line_items[0][price]"], "price_pro");
  assert.equal(session.form.mode, "subscription");
  assert.equal(session.form.success_url, `${backend.url}/billing/success`);

  // Stripe's signed event arrives; the popup shows the new plan on its next load.
  const periodEnd = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
  const reply = await backend.stripeEvent("customer.subscription.created", {
    id: "sub_e2e", object: "subscription", customer: session.form.customer, status: "active",
    cancel_at_period_end: false, metadata: {},
    items: { object: "list", data: [{ price: { id: "price_pro" }, current_period_end: periodEnd }] },
  });
  assert.equal(reply.status, 200);
  await page.reload();
  await page.getByRole("tab", { name: "Account" }).click();
  await page.getByTestId("plan").filter({ hasText: "Pro" }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-popup-account.png") });
  const [portal] = await Promise.all([
    context.waitForEvent("page"),
    page.getByRole("button", { name: "Manage subscription" }).click(),
  ]);
  await portal.waitForURL(`${backend.stripeUrl}/p/session/bps_test*`);
  await portal.close();
  await page.close();
});

test("the user signs out and back in", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "Account" }).click();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("heading", { name: "Sign in to AI Mentor" }).waitFor();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("wrong password entirely");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "don't match an account" }).waitFor();
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("usage").filter({ hasText: /^2 of \d+ questions$/ }).waitFor();
  await page.close();
});

test("selected text on a page with a strict CSP gets an answer in the panel", async () => {
  const page = await context.newPage();
  const wasmBlocked = [];
  page.on("console", (m) => m.text().includes("wasm") && wasmBlocked.push(m.text()));
  await page.goto(`${pages.url}/article.html`);
  await page.evaluate(() => {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById("passage"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  });
  await page.getByRole("button", { name: "Ask AI Mentor" }).click();
  const panel = page.frameLocator("#ai-mentor-panel");
  await panel.getByText("Each value in Rust has an owner").waitFor();
  await panel.getByRole("button", { name: "Explain this" }).click();
  await panel.getByTestId("answer").filter({ hasText: "Hello from the stand-in." }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-panel-selection.png") });

  const prompt = JSON.stringify((await backend.aiRequests()).at(-1).body.messages);
  assert.match(prompt, /Each value in Rust has an owner/);
  assert.match(prompt, /Ownership explained/);
  assert.match(prompt, new RegExp(`${pages.url}/article.html`));
  await page.close();
});

test("the Resume tab uploads a PDF resume and shows its text", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "Resume" }).click();
  await page.waitForURL(/career\.html#resume$/);
  await page.getByText("No resume yet.").waitFor();
  await page.getByLabel("Resume file (PDF, DOCX, TXT, Markdown or JSON Resume)")
    .setInputFiles(join(ROOT, "tests/fixtures/resumes/two-column.pdf"));
  const text = page.getByTestId("resume-text");
  await text.waitFor();
  const extracted = await text.inputValue();
  assert.match(extracted, /Zoë Ferrández-Müller/);
  assert.match(extracted, /Wrote efficient Spark jobs in Python/);
  await page.getByTestId("active").waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-resume.png") });

  // A fix to the extracted text is kept.
  await text.fill(`${extracted}\nAlso: Kubernetes operators in Go.`);
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText(/\d+ words, \d+ skills found/).filter({ hasText: /words/ }).waitFor();
  await page.reload();
  await page.getByRole("button", { name: "two-column", exact: true }).click();
  assert.match(await page.getByTestId("resume-text").inputValue(), /Kubernetes operators in Go\./);
  await page.close();
});

test("the resume's structure is corrected in the form, and downloads as PDF and Word", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "Resume" }).click();
  await page.getByRole("button", { name: "two-column", exact: true }).click();
  await page.getByTestId("structure-link").click();
  await page.waitForURL(/document\.html#\d+$/);
  await page.getByTestId("structure").waitFor();
  const highlight = page.getByTestId("highlight").first();
  await highlight.waitFor();
  const corrected = `${await highlight.inputValue()} across 40 pipelines`;
  await highlight.fill(corrected);
  await page.getByRole("button", { name: "Save structure" }).click();
  await page.getByText("Saved. The resume's text follows the structure.").waitFor();
  // The preview is the saved structure's first page, drawn, in each template.
  const drawn = () => page.waitForFunction(() => {
    const img = document.querySelector("[data-testid=preview]");
    return img?.complete && img.naturalWidth > 0 && img.closest("[aria-busy=false]") ? img.src : null;
  }).then((handle) => handle.jsonValue());
  const classic = await drawn();
  await page.getByLabel("Template").selectOption("modern");
  await page.getByAltText("The first page of the PDF in the modern template").waitFor();
  assert.notEqual(await drawn(), classic, "the modern template's page differs from the classic one's");
  await page.screenshot({ path: join(ARTIFACTS, "chromium-resume-structure.png"), fullPage: true });

  for (const [button, extension, magic] of [["Download PDF", ".pdf", "%PDF"], ["Download Word", ".docx", "PK"]]) {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: button }).click(),
    ]);
    assert.ok(download.suggestedFilename().endsWith(extension), download.suggestedFilename());
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.subarray(0, magic.length).toString("latin1"), magic);
  }

  // Back on the Resume tab, the text follows the corrected structure.
  await page.getByRole("link", { name: "← Your resumes" }).click();
  await page.getByRole("button", { name: "two-column", exact: true }).click();
  await page.waitForFunction(
    (wanted) => document.querySelector("[data-testid=resume-text]")?.value.includes(wanted), corrected);
  await page.close();
});

test("on a job posting the panel matches the resume, saves the job, and asks with the resume", async () => {
  const page = await context.newPage();
  await page.goto(`${pages.url}/job.html`);
  await page.getByRole("button", { name: "Ask AI Mentor about this job" }).click();
  const panel = page.frameLocator("#ai-mentor-panel");
  await panel.getByTestId("job").filter({ hasText: "Senior Data Engineer" }).waitFor();
  const card = panel.getByTestId("match");
  await card.filter({ hasText: "/100 match" }).waitFor();
  assert.deepEqual(await card.locator(".chips.have li").allTextContents(), ["SQL", "Python"]);
  // "Python or Rust" is one requirement, which Python meets: nothing is missing.
  assert.deepEqual(await card.locator(".chips.missing li").allTextContents(), []);
  await panel.getByRole("button", { name: "Save job" }).click();
  await panel.getByRole("button", { name: "Saved ✓" }).waitFor();
  await panel.getByRole("button", { name: "Ask about this job" }).click();
  await panel.getByTestId("answer").filter({ hasText: "Hello from the stand-in." }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-panel-job.png") });

  const prompt = JSON.stringify((await backend.aiRequests()).at(-1).body.messages);
  for (const expected of ["Senior Data Engineer", "Initech", "Austin, TX, US", "You will own our pipelines.",
    "The user's resume", "Zoë Ferrández-Müller"]) {
    assert.ok(prompt.includes(expected), `the prompt carries ${expected}`);
  }
  await panel.getByRole("button", { name: "Close" }).click();
  await page.locator("#ai-mentor-panel").waitFor({ state: "detached" });
  await page.close();
});

test("the Jobs tab lists the saved job and the Skills tab charts what it asks for", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "Jobs" }).click();
  const job = page.getByTestId("saved-job").filter({ hasText: "Senior Data Engineer" });
  await job.waitFor();
  assert.match(await job.textContent(), /Initech · Austin, TX, US/);
  await page.getByLabel("Status of Senior Data Engineer").selectOption("applied");
  await page.getByLabel("Show").selectOption("applied");
  await job.waitFor();
  await page.getByLabel("Search saved jobs").fill("nothing like this");
  await page.getByText("No saved job matches.").waitFor();
  await page.getByLabel("Search saved jobs").fill("pipelines");
  await job.waitFor();

  await page.getByRole("tab", { name: "Skills" }).click();
  const chart = page.getByTestId("skills-chart");
  await chart.waitFor();
  const bars = async (kind) => (await chart.locator(`g.bar.${kind}`).evaluateAll(
    (gs) => gs.map((g) => g.dataset.skill))).sort();
  assert.deepEqual(await bars("have"), ["Python", "SQL"]);
  assert.deepEqual(await bars("missing"), ["Rust"]);
  await page.getByText("Worth building: Rust").waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-skills.png") });
  await page.close();
});

test("from the Account view, a provider key is checked and saved and an API key is shown once", async () => {
  const ownKey = "sk-e2e-own-key-4242";
  const page = await popup();
  await page.getByRole("tab", { name: "Account" }).click();
  await page.getByTestId("keys-link").click();

  const openai = page.locator('li[data-provider="openai"]');
  await openai.getByLabel("OpenAI API key").fill(ownKey);
  await openai.getByRole("button", { name: "Save" }).click();
  await openai.getByTestId("key-status").filter({ hasText: "Verified" }).waitFor();
  await openai.getByText("…4242").waitFor();
  assert.ok((await backend.aiRequests()).some((r) => r.path === "/v1/models"), "the key was checked");
  // A key the provider refuses is not saved.
  const anthropic = page.locator('li[data-provider="anthropic"]');
  await anthropic.getByLabel("Anthropic API key").fill("sk-refused-e2e-key");
  await anthropic.getByRole("button", { name: "Save" }).click();
  await page.getByRole("alert").filter({ hasText: "refused this key" }).waitFor();
  await anthropic.getByText("No key").waitFor();

  await page.getByLabel("Key name").fill("e2e script");
  // Asking only unless the user opts in, here to the resume.
  await page.getByLabel("use my resume in its questions").check();
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  await shown.waitFor();
  const key = await shown.textContent();
  assert.match(key, /^aim_[0-9a-f]{16}_[0-9a-f]{64}$/);
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByRole("button", { name: "Copied" }).waitFor();
  await page.getByTestId("api-key").filter({ hasText: "e2e script" }).waitFor();
  await page.getByTestId("api-key-scopes").filter({ hasText: "Asks, with your resume" }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-keys.png"), fullPage: true });
  const models = await fetch(`${backend.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(models.status, 200);
  // Shown once: after a reload only its prefix and last 4 are listed.
  await page.reload();
  await page.getByTestId("api-key").filter({ hasText: `${key.slice(0, 20)}…${key.slice(-4)} · created` }).waitFor();
  assert.equal(await page.getByTestId("new-api-key").count(), 0);
  assert.doesNotMatch(await page.getByTestId("api-key").textContent(), /expires/, "made to never expire");
  assert.ok(!(await page.content()).includes(key.slice(21)));
  // Neither key reached the backend's log.
  assert.ok(!backend.log().includes(ownKey), "the provider key was logged");
  assert.ok(!backend.log().includes(key.slice(21)), "the API key was logged");
  await page.close();
});
