// The content script on every page. It stays small and loads no wasm: it
// shows a button next to selected text (and on job postings), and on a click
// asks the service worker for a panel ticket and places the panel, an
// extension page in an iframe that runs under the extension's own CSP, so it
// works on pages whose CSP forbids WebAssembly.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const PANEL_ID = "ai-mentor-panel";
  const JOB_HOSTS = /(^|\.)(linkedin\.com|indeed\.[a-z.]+|greenhouse\.io|lever\.co|myworkdayjobs\.com)$/;
  const MAX_HTML = 2_000_000;
  let enabled = true;
  let button = null;
  let frame = null;

  api.storage.local.get("settings").then((r) => apply(r.settings));
  api.storage.onChanged.addListener((changes, area) => {
    if (area === "local" && changes.settings) apply(changes.settings.newValue);
  });

  function apply(settings) {
    enabled = !settings || settings.selection_button !== false;
    if (!enabled) hideButton();
    showJobButton();
  }

  const selectedText = () => String(window.getSelection() || "").trim();

  function looksLikeJob() {
    if (JOB_HOSTS.test(location.hostname)) return true;
    for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
      if (s.textContent.includes("JobPosting")) return true;
    }
    return false;
  }

  // A button in a shadow root, so the page's CSS cannot reach it.
  function makeButton(label, onClick) {
    const host = document.createElement("ai-mentor-button");
    host.style.cssText = "all: initial; position: absolute; z-index: 2147483646;";
    const root = host.attachShadow({ mode: "open" });
    const b = document.createElement("button");
    b.textContent = label;
    b.style.cssText = "font: 600 13px system-ui, sans-serif; color: #fff; background: #4f46e5;" +
      "border: 0; border-radius: 999px; padding: 6px 12px; cursor: pointer;" +
      "box-shadow: 0 2px 8px rgba(0,0,0,.25);";
    b.addEventListener("mousedown", (e) => e.preventDefault()); // keep the selection
    b.addEventListener("click", (e) => { e.stopPropagation(); onClick(); });
    root.append(b);
    host.dataset.testid = "ai-mentor-button";
    return host;
  }

  function hideButton() {
    button?.remove();
    button = null;
  }

  function showSelectionButton() {
    const text = selectedText();
    const selection = window.getSelection();
    if (!enabled || !text || !selection.rangeCount || frame) return hideButton();
    const rect = selection.getRangeAt(0).getBoundingClientRect();
    hideButton();
    button = makeButton(api.i18n.getMessage("selectionButton") || "Ask AI Mentor", () => {
      hideButton();
      openPanel(text);
    });
    button.style.left = `${Math.max(0, rect.right + scrollX - 40)}px`;
    button.style.top = `${rect.bottom + scrollY + 8}px`;
    document.documentElement.append(button);
  }

  let jobButton = null;
  function showJobButton() {
    jobButton?.remove();
    jobButton = null;
    if (!enabled || !looksLikeJob()) return;
    jobButton = makeButton(api.i18n.getMessage("jobButton") || "Ask AI Mentor about this job",
      () => openPanel(""));
    jobButton.style.position = "fixed";
    jobButton.style.right = "20px";
    jobButton.style.bottom = "20px";
    jobButton.dataset.testid = "ai-mentor-job-button";
    document.documentElement.append(jobButton);
  }

  async function openPanel(selection) {
    const reply = await api.runtime.sendMessage({
      type: "open_panel",
      url: location.href,
      title: document.title,
      selection: selection || selectedText() || null,
      html: looksLikeJob() ? document.documentElement.outerHTML.slice(0, MAX_HTML) : null,
    });
    if (reply?.status !== "ok") return console.warn("AI Mentor:", reply?.message);
    closePanel();
    frame = document.createElement("iframe");
    frame.id = PANEL_ID;
    frame.src = `${api.runtime.getURL("panel.html")}#${reply.data.ticket}`;
    frame.allow = "clipboard-write";
    frame.style.cssText = "all: initial; position: fixed; top: 16px; right: 16px; z-index: 2147483647;" +
      "width: 380px; height: min(640px, calc(100vh - 32px)); border: 0; border-radius: 12px;" +
      "box-shadow: 0 8px 32px rgba(0,0,0,.3); background: Canvas; color-scheme: light dark;";
    document.documentElement.append(frame);
  }

  function closePanel() {
    frame?.remove();
    frame = null;
  }

  document.addEventListener("mouseup", () => setTimeout(showSelectionButton, 0));
  document.addEventListener("keyup", (e) => e.shiftKey && setTimeout(showSelectionButton, 0));
  document.addEventListener("mousedown", (e) => {
    if (button && !e.composedPath().includes(button)) hideButton();
  });
  window.addEventListener("message", (e) => {
    if (frame && e.source === frame.contentWindow && e.data?.type === "ai-mentor-close-panel") closePanel();
  });
  document.addEventListener("keydown", (e) => e.key === "Escape" && closePanel());
  api.runtime.onMessage.addListener((message) => {
    if (message?.type === "open_panel") openPanel(message.selection || "");
  });
})();
