// Entry of every Yew page: loads the page's own wasm, wasm/mentor_<page>.js
// for <html data-page="<page>">, and starts it.
import "./api.js";

const page = document.documentElement.dataset.page;
const wasm = await import(`./wasm/mentor_${page}.js`);
await wasm.default({ module_or_path: new URL(`./wasm/mentor_${page}_bg.wasm`, import.meta.url) });
wasm.start();
