// The WebExtension namespace for the wasm bindings: `browser` in Firefox,
// `chrome` in Chrome (both return promises in MV3).
globalThis.extensionApi = globalThis.browser ?? globalThis.chrome;
