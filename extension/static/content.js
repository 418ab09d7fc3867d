// The content script on every page. It stays small and loads no wasm: it
// shows a button next to selected text (and a small tab on job postings),
// and on a click asks the service worker for a panel ticket and places the
// panel, an extension page in an iframe that runs under the extension's own
// CSP, so it works on pages whose CSP forbids WebAssembly. It reads nothing
// of the page until the user acts.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const PANEL_ID = "ai-mentor-panel";
  const JOB_HOSTS = /(^|\.)(linkedin\.com|indeed\.[a-z.]+|greenhouse\.io|lever\.co|myworkdayjobs\.com)$/;
  const MAX_HTML = 2_000_000;
  const MAX_TEXT = 50_000;
  // What to show here, from the worker: content scripts run in the page's
  // process, so the extension's storage (the session is there) is kept from
  // them where the browser allows it.
  let settings = {};
  let button = null;
  let jobTab = null;
  let frame = null;
  // Where focus was before the panel opened, to give it back on close.
  let returnFocus = null;

  const ask = (type, fields = {}) => api.runtime.sendMessage({ type, ...fields }).catch(() => null);
  async function refresh() {
    const reply = await ask("page_settings", { host: location.hostname });
    if (reply?.status === "ok") apply(reply.data);
  }
  refresh();
  // Options changed in another tab: picked up when the user comes back.
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && refresh());

  function apply(next) {
    settings = next ?? {};
    if (settings.selection_button === false) hideButton();
    showJobTab(Boolean(settings.collapsed));
  }

  const selectedText = () => String(window.getSelection() || "").trim();
  const message = (name, fallback) => api.i18n.getMessage(name) || fallback;

  function looksLikeJob() {
    if (JOB_HOSTS.test(location.hostname)) return true;
    for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
      if (s.textContent.includes("JobPosting")) return true;
    }
    return false;
  }

  // A host element with a shadow root, so the page's CSS cannot reach in.
  function shadowHost(testid, css) {
    const host = document.createElement("ai-mentor-button");
    host.style.cssText = `all: initial; z-index: 2147483646; ${css}`;
    host.dataset.testid = testid;
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = `
      button { font: 600 13px/1.2 system-ui, sans-serif; color: #fff; background: #4338ca; border: 0;
        cursor: pointer; box-shadow: 0 2px 8px rgba(0,0,0,.25); padding: 6px 12px; border-radius: 999px; }
      button:focus-visible { outline: 2px solid #f59e0b; outline-offset: 2px; }
      .tab { display: flex; flex-direction: column; align-items: flex-end; gap: 4px; }
      .row { display: flex; gap: 4px; }
      .tab button { border-radius: 8px 0 0 8px; }
      .tab .small { font-weight: 500; font-size: 11px; padding: 3px 8px; background: #312e81; }
      .tab .toggle { padding: 6px 8px; }`;
    root.append(style);
    return { host, root };
  }

  function makeButton(label, onClick, className = "") {
    const b = document.createElement("button");
    b.textContent = label;
    if (className) b.className = className;
    b.addEventListener("mousedown", (e) => e.preventDefault()); // keep the selection
    b.addEventListener("click", (e) => { e.stopPropagation(); onClick(); });
    return b;
  }

  function hideButton() {
    button?.remove();
    button = null;
  }

  function showSelectionButton() {
    const text = selectedText();
    const selection = window.getSelection();
    if (settings.selection_button === false || !text || !selection.rangeCount || frame) return hideButton();
    const rect = selection.getRangeAt(0).getBoundingClientRect();
    hideButton();
    const { host, root } = shadowHost("ai-mentor-button", "position: absolute;");
    root.append(makeButton(message("selectionButton", "Ask AI Mentor"), () => {
      hideButton();
      openPanel(text);
    }));
    host.style.left = `${Math.max(0, rect.right + scrollX - 40)}px`;
    host.style.top = `${rect.bottom + scrollY + 8}px`;
    document.documentElement.append(host);
    button = host;
  }

  // On job postings: a small tab on the right edge at mid-height, where
  // pages rarely put their own controls (not the bottom corners, where chat
  // widgets and sticky Apply bars sit). It collapses to a sliver, and "Hide
  // on this site" removes it there for good (Options can bring it back).
  function showJobTab(collapsed) {
    jobTab?.remove();
    jobTab = null;
    if (settings.job_button === false || !looksLikeJob()) return;
    const { host, root } = shadowHost("ai-mentor-job-button",
      "position: fixed; right: 0; top: 38vh;");
    const tab = document.createElement("div");
    tab.className = "tab";
    const toggle = makeButton(collapsed ? "‹" : "›", () => setCollapsed(!collapsed), "toggle");
    toggle.setAttribute("aria-label", collapsed ? "Show the AI Mentor job button" : "Collapse the AI Mentor job button");
    toggle.setAttribute("aria-expanded", String(!collapsed));
    const row = document.createElement("div");
    row.className = "row";
    if (!collapsed) row.append(makeButton(message("jobButton", "Ask AI Mentor about this job"), () => openPanel("")));
    row.append(toggle);
    tab.append(row);
    if (!collapsed) tab.append(makeButton(message("hideOnSite", "Hide on this site"), hideOnThisSite, "small"));
    root.append(tab);
    document.documentElement.append(host);
    jobTab = host;
    jobTab.collapsed = collapsed;
  }

  function setCollapsed(collapsed) {
    ask("set_job_tab_collapsed", { collapsed });
    apply({ ...settings, collapsed });
  }

  async function hideOnThisSite() {
    const reply = await ask("hide_on_site", { host: location.hostname });
    if (reply?.status === "ok") apply({ ...settings, job_button: false });
  }

  function readablePage() {
    const text = (document.body?.innerText ?? "").replace(/\n{3,}/g, "\n\n").trim();
    return { url: location.href, title: document.title, page_text: text.slice(0, MAX_TEXT) };
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
    if (!frame) returnFocus = document.activeElement;
    removePanel();
    frame = document.createElement("iframe");
    frame.id = PANEL_ID;
    frame.title = "AI Mentor";
    frame.src = `${api.runtime.getURL("panel.html")}#${reply.data.ticket}`;
    frame.allow = "clipboard-write";
    // Fixed inside the viewport, clear of the scrollbar; the page keeps
    // scrolling and stays usable beside it.
    frame.style.cssText = "all: initial; position: fixed; top: 16px; right: 16px; z-index: 2147483647;" +
      "width: 380px; max-width: calc(100vw - 32px); height: min(640px, calc(100vh - 32px)); border: 0;" +
      "border-radius: 12px; box-shadow: 0 8px 32px rgba(0,0,0,.3); background: Canvas; color-scheme: light dark;";
    frame.addEventListener("load", () => frame?.focus());
    document.documentElement.append(frame);
  }

  function removePanel() {
    frame?.remove();
    frame = null;
  }

  function closePanel() {
    if (!frame) return;
    removePanel();
    const back = returnFocus?.isConnected ? returnFocus : document.body;
    back?.focus?.({ preventScroll: true });
    returnFocus = null;
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
  api.runtime.onMessage.addListener((command, _sender, reply) => {
    if (command?.type === "open_panel") openPanel(command.selection || "");
    if (command?.type === "read_page") reply(readablePage());
  });
})();
