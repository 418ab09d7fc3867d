// The background service worker (Chrome) or event page (Firefox). MV3 wants
// every listener registered synchronously at start, so they are registered
// here and each event is handed to the Rust worker once its wasm is ready.
import "./api.js";
import init, * as worker from "./wasm/mentor_worker.js";

const api = globalThis.extensionApi;
// The refresh token and the server address live in storage.local: keep
// content scripts (which run in web pages' processes) out of it where the
// browser allows (Chrome; Firefox lets only storage.session be restricted,
// and keeps it from content scripts already). They ask the worker instead.
api.storage.local.setAccessLevel?.({ accessLevel: "TRUSTED_CONTEXTS" }).catch((e) =>
  console.warn("AI Mentor: storage.local stays readable by content scripts:", e));
const ready = init({ module_or_path: new URL("./wasm/mentor_worker_bg.wasm", import.meta.url) });

api.runtime.onInstalled.addListener((details) => ready.then(() => worker.on_installed(details.reason)));

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready
    .then(() => worker.on_message(message, sender))
    .then(sendResponse, (error) =>
      sendResponse({ status: "error", error: "internal", message: String(error) }));
  return true; // the answer comes asynchronously
});

api.runtime.onConnect.addListener((port) => {
  // Keep what arrives before the wasm is ready.
  const queued = [];
  const hold = (message) => queued.push(message);
  port.onMessage.addListener(hold);
  ready.then(() => {
    port.onMessage.removeListener(hold);
    worker.on_connect(port, queued);
  });
});

api.contextMenus.onClicked.addListener((info, tab) =>
  ready.then(() => worker.on_context_menu(info, tab)));

api.commands.onCommand.addListener((command, tab) =>
  ready.then(() => worker.on_command(command, tab)));
