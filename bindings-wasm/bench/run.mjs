// tracewire-wasm against OpenTelemetry JS in headless Chromium: bundles page.mjs
// with esbuild, serves it with the package built in ../pkg (or the directory
// TRACEWIRE_WASM_PKG names: another build, to compare) on 127.0.0.1, runs the
// interleaved cases in the page, and prints the tables (the full entry's, then the
// W3C-only entry's, `tracewire-wasm/w3c`), then the gzipped bytes a page loads for
// W3C propagation with each (size.mjs).
import { readFile, realpath } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { chromium } from 'playwright-core';

import { table } from '../../bindings-node/bench/workload.mjs';
import { sizes } from './size.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = await realpath(join(here, '..', '..'));
const out = join(root, 'target', 'bench-browser');
const rounds = Number(process.env.BENCH_ROUNDS ?? 31);
const pkg = process.env.TRACEWIRE_WASM_PKG ?? join(root, 'bindings-wasm', 'pkg');

await build({
  entryPoints: [join(here, 'page.mjs')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: join(out, 'page.js'),
  alias: { 'tracewire-wasm/w3c': join(pkg, 'w3c.js'), 'tracewire-wasm': join(pkg, 'index.js') },
  logLevel: 'warning',
});

const pages = {
  '/': '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>',
};
const files = {
  '/page.js': join(out, 'page.js'),
  '/tracewire_wasm_bg.wasm': join(pkg, 'tracewire_wasm_bg.wasm'),
  '/tracewire_w3c.wasm': join(pkg, 'tracewire_w3c.wasm'),
};
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };

// Cross-origin isolated, so that performance.now() ticks in microseconds, not 100 µs.
const server = createServer(async (request, response) => {
  const path = new URL(request.url, 'http://localhost').pathname;
  const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  if (path in pages) {
    response.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(pages[path]);
  } else if (path in files) {
    response.writeHead(200, { ...headers, 'content-type': types[extname(path)] }).end(await readFile(files[path]));
  } else {
    response.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--js-flags=--expose-gc',
  ],
});
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => typeof globalThis.runBench === 'function', null, { timeout: 30_000 });
  const version = await page.evaluate(() => navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1]);
  const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
  const results = await page.evaluate((options) => globalThis.runBench(options), { rounds });
  if (problems.length > 0) throw new Error(problems.join('; '));
  const otelVersion = JSON.parse(await readFile(join(here, 'node_modules/@opentelemetry/core/package.json'))).version;
  console.log(
    `tracewire (WebAssembly) vs OpenTelemetry JS ${otelVersion}, Chromium ${version}${isolated ? '' : ' (timer not isolated)'}: median ns/op`,
  );
  console.log(table(results.full));
  console.log(`\nThe W3C-only entry (tracewire-wasm/w3c), the cases without baggage: median ns/op`);
  console.log(table(results.w3c));
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
}

console.log('\nWhat a page loads for W3C Trace Context propagation (minified, gzip -9):');
for (const { what, bytes, gzipped } of await sizes(pkg)) {
  console.log(`- ${what}: ${bytes} B, ${gzipped} B gzipped`);
}
