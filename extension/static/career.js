// Entry of the career page (resumes, saved jobs, skills): loads its own wasm,
// so the popup's stays small.
import "./api.js";
import init, { start_career } from "./wasm/mentor_career.js";

await init({ module_or_path: new URL("./wasm/mentor_career_bg.wasm", import.meta.url) });
start_career();
