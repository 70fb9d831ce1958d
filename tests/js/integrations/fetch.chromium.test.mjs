// `tracewire-wasm/fetch` in real headless Chromium: a page loads the installed
// package and examples/browser/fetch.mjs from a server on 127.0.0.1 that answers
// `POST /orders` with the headers it received.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

const pkg = new URL('../node_modules/tracewire-wasm/', import.meta.url);
const example = new URL('../../../examples/browser/fetch.mjs', import.meta.url);

const page = `<!doctype html>
<meta charset="utf-8"><link rel="icon" href="data:,"><title>tracewire-wasm/fetch</title>
<script type="importmap">{ "imports": {
  "tracewire-wasm": "/pkg/index.js", "tracewire-wasm/fetch": "/pkg/fetch.js", "tracewire-wasm/scope": "/pkg/scope.js"
} }</script>
<script type="module">
  import { Context } from 'tracewire-wasm';
  import { tracingFetch } from 'tracewire-wasm/fetch';
  import { current, run } from 'tracewire-wasm/scope';
  import { result } from '/example/fetch.mjs';

  const echoed = async (fetch, ...args) => (await fetch('/orders', ...args)).json();
  const given = Context.newRoot();
  const asRequest = await echoed(tracingFetch({ context: given }), { method: 'POST', headers: { 'x-kept': '1' } });
  const none = await echoed(tracingFetch(), { method: 'POST' });
  // Synchronous scope: current() inside run, and after it returns, nothing.
  const inside = run(given, () => current() === given);
  window.outcome = {
    example: { traceparent: result.span.traceparent, answer: result.answer },
    given: { traceparent: given.traceparent, headers: asRequest.headers },
    none: none.headers,
    scope: { inside, after: current() === undefined },
  };
</script>`;

const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

const server = createServer(async (request, response) => {
  const { pathname } = new URL(request.url, 'http://localhost');
  try {
    if (pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else if (pathname === '/orders' && request.method === 'POST') {
      let body = '';
      for await (const chunk of request) body += chunk;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ headers: request.headers, body }));
    } else if (pathname === '/example/fetch.mjs') {
      response.writeHead(200, { 'content-type': types['.mjs'] }).end(await readFile(example));
    } else if (/^\/pkg\/[\w.]+\.(js|wasm)$/.test(pathname)) {
      const file = pathname.slice('/pkg/'.length);
      response.writeHead(200, { 'content-type': types[file.slice(file.lastIndexOf('.'))] });
      response.end(await readFile(new URL(file, pkg)));
    } else {
      response.writeHead(404).end();
    }
  } catch {
    response.writeHead(404).end();
  }
});

let browser;
let outcome;
const problems = [];

before(async () => {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    timeout: 60_000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const tab = await browser.newPage();
  tab.on('pageerror', (error) => problems.push(error.message));
  tab.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`, { timeout: 30_000 });
  await tab.waitForFunction(() => window.outcome !== undefined, null, { timeout: 30_000 }).catch((error) => {
    throw new Error(problems.join('; ') || error.message);
  });
  outcome = await tab.evaluate(() => window.outcome);
});

after(async () => {
  await browser?.close();
  server.closeAllConnections();
  server.close();
});

test('the browser example: the click span goes out with the order', () => {
  assert.deepEqual(problems, []);
  const { traceparent, answer } = outcome.example;
  assert.match(traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);
  assert.equal(answer.headers.traceparent, traceparent);
  assert.equal(answer.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(answer.body), { item: 'book', quantity: 1 });
});

test('a given context is injected next to the page headers; none, nothing', () => {
  assert.equal(outcome.given.headers.traceparent, outcome.given.traceparent);
  assert.equal(outcome.given.headers['x-kept'], '1');
  assert.equal(outcome.none.traceparent, undefined);
  assert.deepEqual(outcome.scope, { inside: true, after: true });
});
