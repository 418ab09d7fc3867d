// The pages that mailed links open: confirm an address, set a new password,
// see the plans.
// The token is read from the address and then removed from it, so it does
// not stay in the history; the pages talk only to this server's API.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
history.replaceState(null, "", location.pathname);
const statusLine = document.getElementById("status");

function say(text, kind) {
  statusLine.textContent = text;
  statusLine.className = kind || "";
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.ok) return { ok: true };
  let message = "Something went wrong; try again in a moment.";
  try {
    message = (await response.json()).message || message;
  } catch (_) {}
  return { ok: false, status: response.status, message };
}

async function verify() {
  if (!token) return say("This link has no token. Open the newest link from the mail we sent you.", "error");
  const result = await post("/api/v1/auth/verify-email", { token });
  if (result.ok) say("Your email address is confirmed. You can close this tab and return to AI Mentor.", "ok");
  else say(result.message, "error");
}

function reset() {
  const form = document.getElementById("reset");
  const password = document.getElementById("password");
  const confirm = document.getElementById("confirm");
  if (!token) {
    form.hidden = true;
    return say("This link has no token. Open the newest link from the mail we sent you.", "error");
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (password.value !== confirm.value) {
      confirm.setAttribute("aria-invalid", "true");
      confirm.focus();
      return say("The two passwords differ.", "error");
    }
    confirm.removeAttribute("aria-invalid");
    const button = form.querySelector("button");
    button.disabled = true;
    const result = await post("/api/v1/auth/reset-password", { token, new_password: password.value });
    button.disabled = false;
    if (result.ok) {
      form.hidden = true;
      say("Your password is changed and every device was signed out. Sign in again in AI Mentor with the new password.", "ok");
    } else {
      if (result.status === 400 && /password/i.test(result.message)) password.setAttribute("aria-invalid", "true");
      say(result.message, "error");
    }
  });
}

async function plans() {
  const list = document.getElementById("plans");
  let offers;
  try {
    const response = await fetch("/api/v1/billing/plans");
    if (!response.ok) throw new Error(String(response.status));
    offers = await response.json();
  } catch (_) {
    return say("The plans could not be loaded; try again in a moment.", "error");
  }
  say("");
  for (const offer of offers) {
    const item = document.createElement("li");
    const name = offer.tier.charAt(0).toUpperCase() + offer.tier.slice(1);
    const price = offer.price ? `${offer.price.display} a ${offer.price.interval}` : "free";
    const questions = offer.monthly_questions == null ? "unlimited questions" : `${offer.monthly_questions} questions a month`;
    item.textContent = `${name}: ${price}, ${questions}, ${offer.models.length} models`;
    list.append(item);
  }
}

const page = document.body.dataset.page;
if (page === "verify-email") verify();
else if (page === "plans") plans();
else reset();
