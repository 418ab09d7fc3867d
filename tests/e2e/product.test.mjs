// The extension as people keep using it, in Debian's Chromium against a
// real backend whose AI stand-in streams slowly: the welcome page on
// install; an answer that survives the popup closing (and is followed when
// the popup opens again mid-answer); the conversation and draft coming
// back; Stop, "Stopped" and Regenerate; the job-page button clear of a
// sticky Apply button, and "Hide on this site"; the panel's Esc and focus;
// "Ask about this page"; the Account view's plans and sessions; the banner
// when the backend cannot be reached; and axe-core on every page in light
// and dark themes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ARTICLE, ARTIFACTS, account, ask, axeViolations, jobFixture, launchChromium, openPopup, startBackend, startPages,
  stopProcesses,
} from "./harness.mjs";

const ANSWER = "Hello from the stand-in.";

let backend, pages, context, base;
const user = account();

before(async () => {
  backend = await startBackend();
  pages = await startPages({ "/article.html": ARTICLE, "/apply.html": jobFixture("sticky-apply.html") });
  ({ context, base } = await launchChromium({ viewport: { width: 1100, height: 800 } }));
});

after(async () => {
  await context?.close();
  pages?.close();
  stopProcesses();
});

const popup = () => openPopup(context, base);

/** axe-core in the light and the dark theme; screenshots of both. */
async function accessible(page, name, frame = page) {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(100);
    assert.deepEqual(await axeViolations(frame), [], `${name} in the ${scheme} theme`);
    await page.screenshot({ path: join(ARTIFACTS, `chromium-${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

test("on install the welcome page opens and says how to use the extension", async () => {
  let welcome = context.pages().find((p) => p.url().endsWith("/welcome.html"));
  welcome ??= await context.waitForEvent("page", { predicate: (p) => p.url().endsWith("/welcome.html") });
  await welcome.waitForLoadState();
  for (const words of ["Pin the icon", "Create your account", "Select text", "On a job posting",
    "Right-click", "Alt", "Hide on this site"]) {
    await welcome.getByText(words, { exact: false }).first().waitFor();
  }
  await accessible(welcome, "welcome");
  await welcome.close();
});

test("the options page points at the backend, with separate switches for each button", async () => {
  const page = await context.newPage();
  await page.goto(`${base}/options.html`);
  await page.getByLabel("Server address").fill(backend.url);
  await page.getByLabel("Show an AI Mentor button next to text I select").waitFor();
  await page.getByLabel("Show an “Ask about this job” button on job postings").waitFor();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  await accessible(page, "options");
  await page.close();
});

test("a new user lands on sign-up; the popup says what it is and opens the options", async () => {
  const page = await popup();
  await page.getByText("Ask about what you read, with your resume as context.").waitFor();
  await page.getByRole("heading", { name: "Create your account" }).waitFor();
  await accessible(page, "popup-sign-up");
  const [options] = await Promise.all([
    context.waitForEvent("page"),
    page.getByRole("button", { name: "Settings" }).click(),
  ]);
  await options.waitForURL(/options\.html/);
  await options.close();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("usage").waitFor();
  await page.getByRole("button", { name: "Ask about this page" }).waitFor();
  await accessible(page, "popup-empty");
  await page.close();
});

test("closing the popup mid-answer does not stop it: reopened, it follows the answer to its end", async () => {
  await backend.slowAnswers(700);
  let page = await popup();
  await ask(page, "Will you finish?");
  await page.getByTestId("answer").filter({ hasText: "Hello" }).waitFor();
  await page.close(); // as a click outside closes Chrome's popup

  // Reopened while it is still being written: the answer goes on here.
  page = await popup();
  await page.getByText("Will you finish?").waitFor();
  await page.getByRole("button", { name: "Stop" }).waitFor();
  await page.getByTestId("answer").filter({ hasText: ANSWER }).waitFor({ timeout: 15_000 });
  await page.getByRole("button", { name: /^Copy the answer/ }).waitFor();
  assert.equal(await page.getByTestId("stopped").count(), 0, "not marked as stopped");
  await page.close();

  // Closed and left to finish alone: stored whole, unmarked.
  page = await popup();
  await ask(page, "And this one?");
  await page.getByTestId("answer").nth(1).filter({ hasText: "Hello" }).waitFor();
  await page.close();
  await new Promise((r) => setTimeout(r, 3_000));
  page = await popup();
  await page.getByText("And this one?").waitFor();
  await page.getByTestId("answer").nth(1).filter({ hasText: ANSWER }).waitFor();
  assert.equal(await page.getByTestId("stopped").count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, "chromium-popup-survived-close.png") });
  await page.close();
});

test("the draft comes back, and Stop marks the answer Stopped with Regenerate", async () => {
  let page = await popup();
  await page.getByLabel("Your question").fill("A draft I have not sent");
  await page.waitForTimeout(300);
  await page.close();
  page = await popup();
  await page.getByText("And this one?").waitFor();
  assert.equal(await page.getByLabel("Your question").inputValue(), "A draft I have not sent");

  // The last test's answer may still be being written on a busy machine:
  // a question is taken once it is done (Ask is back).
  await page.getByRole("button", { name: "Ask", exact: true }).waitFor();
  await ask(page, "Stop me");
  await page.getByTestId("answer").nth(2).filter({ hasText: "Hello" }).waitFor();
  await page.getByRole("button", { name: "Stop" }).click();
  await page.getByTestId("stopped").waitFor();
  await page.getByRole("button", { name: "Regenerate" }).waitFor();
  assert.doesNotMatch(await page.getByTestId("answer").nth(2).textContent(), /stand-in/);
  await page.screenshot({ path: join(ARTIFACTS, "chromium-popup-stopped.png") });
  // Stored as stopped: History shows it so after a reload.
  await page.reload();
  await page.getByTestId("stopped").waitFor();
  await backend.slowAnswers(0);
  await page.getByRole("button", { name: "Regenerate" }).click();
  await page.getByTestId("answer").nth(2).filter({ hasText: ANSWER }).waitFor();
  assert.equal(await page.getByTestId("stopped").count(), 0);
  await page.getByRole("button", { name: /^Copy the answer to “Stop me/ }).click();
  await page.getByRole("button", { name: "Copied" }).waitFor();
  await accessible(page, "popup-conversation");
  await page.close();
});

test("deleting a conversation can be undone for a few seconds", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "History" }).click();
  await page.getByRole("button", { name: /^Delete Will you finish/ }).click();
  await page.getByTestId("undo").waitFor();
  await page.getByRole("button", { name: "Undo" }).click();
  await page.getByRole("button", { name: /^Will you finish/ }).waitFor();
  await page.waitForTimeout(5_500);
  await page.reload();
  await page.getByRole("tab", { name: "History" }).click();
  await page.getByRole("button", { name: /^Will you finish/ }).waitFor();
  // The tabs answer the arrow keys.
  await page.getByRole("tab", { name: "History" }).focus();
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Resume");
  await page.close();
});

test("the job-page button stays clear of the page's sticky Apply button, and hides per site", async () => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1000, height: 700 });
  await page.goto(`${pages.url}/apply.html`);
  const host = page.getByTestId("ai-mentor-job-button");
  await host.getByRole("button", { name: "Ask AI Mentor about this job" }).waitFor();
  const mine = await host.boundingBox();
  const apply = await page.getByRole("button", { name: "Apply" }).boundingBox();
  const overlap = mine.x < apply.x + apply.width && apply.x < mine.x + mine.width &&
    mine.y < apply.y + apply.height && apply.y < mine.y + mine.height;
  assert.ok(!overlap, `the job button ${JSON.stringify(mine)} covers Apply ${JSON.stringify(apply)}`);
  await page.screenshot({ path: join(ARTIFACTS, "chromium-job-button.png") });

  // Collapsed, it is a sliver; expanded again, it asks.
  await host.getByRole("button", { name: "Collapse the AI Mentor job button" }).click();
  await host.getByRole("button", { name: "Show the AI Mentor job button" }).click();
  await host.getByRole("button", { name: "Ask AI Mentor about this job" }).click();
  const panel = page.frameLocator("#ai-mentor-panel");
  await panel.getByTestId("job").filter({ hasText: "Platform Engineer" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "ai-mentor-panel", "focus moved into the panel");
  const frame = page.frames().find((f) => f.url().includes("/panel.html"));
  await accessible(page, "panel-job", frame);
  assert.equal(await page.locator("#ai-mentor-panel").getAttribute("title"), "AI Mentor");
  // Esc inside the panel closes it, and focus comes back to the page.
  // The keydown is dispatched in the panel's frame: Playwright's press() can
  // hang on the keyup once the keydown has removed the frame (seen in CI, with
  // a locator's press() and with page.keyboard.press()).
  await panel.getByLabel("Your question").focus();
  await frame.evaluate(() => document.activeElement.dispatchEvent(
    new KeyboardEvent("keydown", { key: "Escape", bubbles: true })));
  await page.locator("#ai-mentor-panel").waitFor({ state: "detached" });
  assert.notEqual(await page.evaluate(() => document.activeElement?.id), "ai-mentor-panel");

  await host.getByRole("button", { name: "Hide on this site" }).click();
  await host.waitFor({ state: "detached" });
  await page.reload();
  await page.getByRole("button", { name: "Apply" }).waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId("ai-mentor-job-button").count(), 0, "hidden on this site");
  // Another site (another host name for the same pages) still has it.
  await page.goto(`${pages.url.replace("127.0.0.1", "localhost")}/apply.html`);
  await page.getByTestId("ai-mentor-job-button").getByRole("button", { name: "Ask AI Mentor about this job" }).waitFor();
  await page.close();
});

test("“Ask about this page” reads the active tab when asked, and the panel scrolls no page away", async () => {
  const article = await context.newPage();
  await article.goto(`${pages.url}/article.html`);
  const page = await popup();
  await page.getByRole("button", { name: "New conversation" }).click();
  await article.bringToFront();
  await page.getByRole("button", { name: "Ask about this page" }).click();
  await page.getByTestId("answer").filter({ hasText: ANSWER }).waitFor();
  const prompt = JSON.stringify((await backend.aiRequests()).at(-1).body.messages);
  assert.match(prompt, /Ownership explained/);
  assert.match(prompt, /there can only be one owner at a time/);
  await page.close();
  await article.close();
});

test("the Account view shows the plans (billing is off here) and signs out everywhere", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "Account" }).click();
  const plans = page.getByTestId("plans");
  await plans.filter({ hasText: "Pro" }).waitFor();
  await plans.getByText(/questions a month/).first().waitFor();
  await page.getByTestId("billing-off").waitFor();
  assert.equal(await page.getByRole("button", { name: "Upgrade to Pro" }).count(), 0);
  await page.getByText("Delete account").click();
  await page.getByText("It cannot be undone.", { exact: false }).waitFor();
  await accessible(page, "popup-account");
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  // A returning user lands on sign-in.
  await page.getByRole("heading", { name: "Sign in to AI Mentor" }).waitFor();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("usage").waitFor();
  await page.close();
});

test("with the backend out of reach the popup says so, and Retry works once it is back", async () => {
  await backend.stop();
  const page = await popup();
  await page.getByTestId("offline-banner").waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-popup-offline.png") });
  await page.getByRole("button", { name: "Retry" }).click();
  await page.getByTestId("offline-banner").waitFor(); // still down
  await backend.restart();
  await page.getByRole("button", { name: "Retry" }).click();
  await page.getByTestId("offline-banner").waitFor({ state: "detached" });
  await page.getByTestId("usage").waitFor();
  await page.close();
});
