// Prints a page's first render time in headless Chromium: from navigation
// start to the `first-render` mark the page sets once Yew has rendered, over
// several cold page loads. Used by scripts/budgets.sh.
//   node first-render.mjs [LOADS] [PAGE]   (PAGE: popup (default) or career)
import { launchChromium } from "./harness.mjs";

const runs = Number(process.argv[2] ?? 10);
const name = process.argv[3] ?? "popup";
const { context, base } = await launchChromium();
const times = [];
for (let i = 0; i < runs; i++) {
  const page = await context.newPage();
  await page.goto(`${base}/${name}.html`);
  await page.waitForFunction(() => performance.getEntriesByName("first-render").length > 0);
  times.push(await page.evaluate(() => performance.getEntriesByName("first-render")[0].startTime));
  await page.close();
}
await context.close();
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`${name} first render: median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)}, max ${times.at(-1).toFixed(1)} (${runs} loads)`);
