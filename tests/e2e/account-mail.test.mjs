// The account's mail in Debian's Chromium, with a real SMTP server: sign up
// in the popup, follow the verification link from the mail received, and
// see the popup's banner go once it is reopened; then "Forgot password?", the reset page opened
// from the mailed link, and signing in with the new password; then the
// Account view's mail switch and "Download my data".
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, account, launchChromium, openPopup, startBackend, stopProcesses } from "./harness.mjs";

let backend, context, base;
const user = account();
const NEW_PASSWORD = "a brand new passphrase 2026";

before(async () => {
  backend = await startBackend({ mail: true });
  ({ context, base } = await launchChromium());
  const options = await context.newPage();
  await options.goto(`${base}/options.html`);
  await options.getByLabel("Server address").fill(backend.url);
  await options.getByRole("button", { name: "Save" }).click();
  await options.getByText("Saved.").waitFor();
  await options.close();
});

after(async () => {
  await context?.close();
  stopProcesses();
});

const popup = () => openPopup(context, base);

/** Waits (at most 10 s) until the account's optional mail is off on the server. */
async function untilServerHasNoticesOff() {
  const login = await fetch(`${backend.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: user.email, password: NEW_PASSWORD }),
  });
  assert.equal(login.status, 200);
  const { access_token } = await login.json();
  for (const started = Date.now(); Date.now() - started < 10_000; ) {
    const me = await fetch(`${backend.url}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    if ((await me.json()).email_notices === false) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail("the server never had the optional mail off");
}

test("sign-up mails a link; following it confirms the address and the reopened popup has no banner", async () => {
  const page = await popup();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  const banner = page.getByTestId("verify-banner");
  await banner.filter({ hasText: user.email }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "chromium-verify-banner.png") });

  const link = await backend.mailedLink(user.email, "/verify-email");
  const tab = await context.newPage();
  await tab.goto(link);
  await tab.getByText("Your email address is confirmed.").waitFor();
  // The token leaves the address bar once read.
  assert.equal(new URL(tab.url()).search, "");
  await tab.close();

  // Reopened (the click on the link closes a real popup), it shows the
  // account as it is now.
  await page.reload();
  await page.getByRole("tablist").waitFor();
  assert.equal(await banner.count(), 0);
  await page.close();
});

test("forgot password: the mailed link's page sets a new one, and it signs in", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "Account" }).click();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("heading", { name: "Sign in to AI Mentor" }).waitFor();
  await page.getByLabel("Email").fill(user.email);
  await page.getByRole("button", { name: "Forgot password?" }).click();
  await page.getByText("a link to choose a new password is on its way").waitFor();

  const link = await backend.mailedLink(user.email, "/reset-password");
  const tab = await context.newPage();
  await tab.goto(link);
  await tab.getByLabel("New password").fill(NEW_PASSWORD);
  await tab.getByLabel("The same password again").fill("not the same at all 2026");
  await tab.getByRole("button", { name: "Set the new password" }).click();
  await tab.getByText("The two passwords differ.").waitFor();
  await tab.getByLabel("The same password again").fill(NEW_PASSWORD);
  await tab.getByRole("button", { name: "Set the new password" }).click();
  await tab.getByText("Your password is changed").waitFor();
  await tab.screenshot({ path: join(ARTIFACTS, "chromium-reset-page.png") });
  await tab.close();
  // The notice arrives too.
  let notices = [];
  for (let i = 0; i < 100 && notices.length === 0; i++) {
    notices = (await backend.mails()).filter((m) => m.to.includes(user.email) && m.subject.includes("password was reset"));
    if (notices.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(notices.length, 1);

  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "don't match an account" }).waitFor();
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("tablist").waitFor();
  await page.close();
});

test("Account: the optional mail turns off and stays off; Download my data links a ZIP of the account", async () => {
  const page = await popup();
  await page.getByRole("tab", { name: "Account" }).click();
  const notices = page.getByLabel("Mail me about my usage and plan");
  assert.equal(await notices.isChecked(), true);
  await notices.uncheck();
  // The switch saves through the service worker in the background; reload
  // once the server has it, or the reloaded page may read the account first.
  await untilServerHasNoticesOff();
  await page.reload();
  await page.getByRole("tab", { name: "Account" }).click();
  await page.getByLabel("Mail me about my usage and plan").waitFor();
  assert.equal(await page.getByLabel("Mail me about my usage and plan").isChecked(), false);

  await page.getByRole("button", { name: "Download my data" }).click();
  const link = page.getByTestId("export-link");
  await link.waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(ARTIFACTS, "chromium-export-ready.png") });
  const url = await link.getAttribute("href");
  assert.ok(url.startsWith(`${backend.url}/api/v1/exports/`), url);
  // The link needs no sign-in; the ZIP starts with its local-file signature.
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/zip");
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
  await page.close();
});
