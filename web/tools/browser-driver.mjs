// Drives headless Chromium (the system's /usr/bin/chromium, via playwright-core: no browser download) for the
// .NET browser tests and `tessera bench browser`. Line protocol on stdin/stdout:
//   node browser-driver.mjs '<json config>'   config: { executable?, pages: [{ name, url }], files?: { urlPath: localFile } }
//   stdin  "state"                 -> stdout "STATE <json>"   every page's window.tessera / tesseraDashboard (no update bodies)
//   stdin  "uploads <page>"        -> stdout "UPLOADS <json>" that page's recent uploads, bodies in base64
//   stdin  "screenshot <page> <file>" -> stdout "OK"
//   stdin  "eval <page> <js>"     -> stdout "EVAL <json>"     result of an async expression in the page
//   stdin  "close <page>"          -> stdout "OK"           closes that tab (as a user would, mid-task)
//   stdin  "files <page> <json>"   -> stdout "OK"           json { selector, paths }: picks local files (or a folder) in a file input
//   stdin  "requests"              -> stdout "REQUESTS <json>" every request any page or its Web Workers sent: [{ page, method, url, body (base64) }]
//   stdin  "quit"                  -> closes the browser and exits
// Console errors and page errors of every page go to stderr, prefixed with the page name.
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const config = JSON.parse(process.argv[2] ?? '{}');
// TESSERA_JS_FLAGS passes V8 flags for a diagnosis (e.g. --no-liftoff: WebAssembly in the optimizing tier only).
const browser = await chromium.launch({
  executablePath: config.executable ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows', ...(process.env.TESSERA_JS_FLAGS ? [`--js-flags=${process.env.TESSERA_JS_FLAGS}`] : [])],
});
const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
// config.files: { "/path": "/local/file" } are answered from disk (the benchmark's artifacts).
for (const [urlPath, file] of Object.entries(config.files ?? {}))
  await context.route(u => new URL(u).pathname === urlPath, r => r.fulfill({ path: file, contentType: 'application/octet-stream' }));
const pages = new Map();
// Every request, with its body, so tests can show what a page sent (and what it did not).
const requests = [];
for (const p of config.pages ?? []) {
  const page = await context.newPage();
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') process.stderr.write(`[${p.name}] ${m.type()}: ${m.text()}\n`); });
  page.on('pageerror', e => process.stderr.write(`[${p.name}] pageerror: ${e.message}\n`));
  page.on('worker', w => w.on('console', m => process.stderr.write(`[${p.name}/worker] ${m.text()}\n`)));
  page.on('request', r => requests.push({ page: p.name, method: r.method(), url: r.url(), body: r.postDataBuffer()?.toString('base64') ?? '' }));
  await page.goto(p.url);
  pages.set(p.name, page);
}
console.log('READY');

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, ...rest] = line.trim().split(' ');
  try {
    if (cmd === 'quit') break;
    if (cmd === 'state') {
      const out = {};
      for (const [name, page] of pages) {
        out[name] = await page.evaluate(() => {
          const w = window;
          if (w.tessera) return { ...w.tessera, uploads: w.tessera.uploads.map(u => ({ ...u, body: u.body.length })), losses: w.tessera.losses.length };
          return w.tesseraDashboard ?? null;
        });
      }
      console.log('STATE ' + JSON.stringify(out));
    } else if (cmd === 'uploads') {
      console.log('UPLOADS ' + JSON.stringify(await pages.get(rest[0]).evaluate(() => window.tessera.uploads)));
    } else if (cmd === 'screenshot') {
      await pages.get(rest[0]).screenshot({ path: rest.slice(1).join(' '), fullPage: true });
      console.log('OK');
    } else if (cmd === 'close') {
      await pages.get(rest[0]).close();
      pages.delete(rest[0]);
      console.log('OK');
    } else if (cmd === 'files') {
      const { selector, paths } = JSON.parse(rest.slice(1).join(' '));
      await pages.get(rest[0]).setInputFiles(selector, paths);
      console.log('OK');
    } else if (cmd === 'requests') {
      console.log('REQUESTS ' + JSON.stringify(requests));
    } else if (cmd === 'eval') {
      const value = await pages.get(rest[0]).evaluate(`(async () => (${rest.slice(1).join(' ')}))()`);
      console.log('EVAL ' + JSON.stringify(value ?? null)); // undefined (a statement) reads as null
    } else console.log('ERROR unknown command ' + cmd);
  } catch (e) {
    console.log('ERROR ' + String(e?.message ?? e).split('\n')[0]);
  }
}
await browser.close();
process.exit(0);
