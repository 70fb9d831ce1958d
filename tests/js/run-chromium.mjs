// Runs the shared suite (suite.mjs) against the WebAssembly package in headless
// Chromium: `node --test run-chromium.mjs` (`TRACEWIRE_IMPL=w3c`: its W3C-only entry). A static server on 127.0.0.1 serves the
// repository; the page browser/index.html imports the package installed here,
// runs every case and hands the results back, one node:test test each. The
// browser quick start (examples/browser; for w3c, its W3C-only example) runs in
// the same browser afterwards.
import { readdir, readFile, realpath } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

import { chromium } from 'playwright-core';

const root = join(await realpath(fileURLToPath(new URL('../../', import.meta.url))), '/');
const vectorsDir = join(root, 'tests', 'vectors');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const w3c = process.env.TRACEWIRE_IMPL === 'w3c';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Serves files under the repository root (symlinks followed), GET only. */
function serve() {
  const server = createServer(async (request, response) => {
    try {
      const path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
      const file = await realpath(join(root, path));
      const type = types[extname(file)];
      if (request.method !== 'GET' || !file.startsWith(root) || type === undefined) {
        throw new Error('not served');
      }
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Rejects after `ms` milliseconds, so that a hung page cannot hang the run. */
function deadline(ms, what) {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms).unref();
  });
}

/** Runs the suite in the page, then the quick start; returns { results: [{ name, error }], quickstart }. */
async function runInChromium() {
  const vectorFiles = (await readdir(vectorsDir)).filter((name) => name.endsWith('.json')).sort();
  const server = await serve();
  let browser;
  try {
    browser = await chromium.launch({
      executablePath,
      timeout: 60_000,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/tests/js/browser/index.html${w3c ? '?impl=w3c' : ''}`, { timeout: 30_000 });
    try {
      await page.waitForFunction(() => typeof globalThis.runSuite === 'function', null, { timeout: 30_000 });
    } catch (error) {
      throw new Error(`the page did not load: ${problems.join('; ') || error.message}`);
    }
    const results = await Promise.race([
      page.evaluate((files) => globalThis.runSuite(files), vectorFiles),
      deadline(120_000, 'the suite'),
    ]);
    await page.goto(`http://127.0.0.1:${port}/examples/browser/index.html${w3c ? '?example=w3c' : ''}`, { timeout: 30_000 });
    await page.waitForFunction(() => globalThis.quickstart !== undefined, null, { timeout: 30_000 });
    const quickstart = await page.evaluate(() => globalThis.quickstart);
    return { results, quickstart, problems };
  } finally {
    await browser?.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const { results, quickstart, problems } = await runInChromium();

describe(`tracewire (${w3c ? 'w3c' : 'wasm'} in Chromium)`, () => {
  if (results.length === 0) {
    test('runs the suite', () => {
      throw new Error('no case ran');
    });
  }
  for (const { name, skip, error } of results) {
    test(name, { skip }, () => {
      if (error !== null) throw new Error(error);
    });
  }
});

test(`the browser ${w3c ? 'W3C-only example' : 'quick start'} runs in Chromium`, () => {
  if (problems.length > 0) throw new Error(problems.join('; '));
  if (!/^[0-9a-f]{32}$/.test(quickstart.traceId)) throw new Error(`trace id ${quickstart.traceId}`);
  if (quickstart.received.traceId !== quickstart.traceId || quickstart.received.parentSpanId !== null) {
    throw new Error(`received ${JSON.stringify(quickstart.received)}`);
  }
  if (quickstart.codes.join() !== 'uppercase_hex') throw new Error(`codes ${quickstart.codes}`);
});
