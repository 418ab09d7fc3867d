// Entry of the popup, panel and options pages: loads the Yew wasm and starts
// the page named by <html data-page="...">.
import "./api.js";
import init, { start_popup, start_panel, start_options } from "./wasm/mentor_ui.js";

const pages = { popup: start_popup, panel: start_panel, options: start_options };
await init({ module_or_path: new URL("./wasm/mentor_ui_bg.wasm", import.meta.url) });
pages[document.documentElement.dataset.page]();
