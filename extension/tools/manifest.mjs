// Writes the Chrome or Firefox manifest from the top-level manifest.json,
// the one source: Chrome takes background.service_worker and no gecko
// settings; Firefox takes background.scripts and keeps them.
// Usage: node manifest.mjs <chrome|firefox> <source> <destination>
import { readFileSync, writeFileSync } from "node:fs";

const [browser, source, destination] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(source, "utf8"));
if (browser === "chrome") {
  delete manifest.browser_specific_settings;
} else if (browser === "firefox") {
  const { service_worker, type } = manifest.background;
  manifest.background = { scripts: [service_worker], type };
} else {
  throw new Error(`unknown browser '${browser}'`);
}
writeFileSync(destination, `${JSON.stringify(manifest, null, 2)}\n`);
