/**
 * Opens the checkout page in headless Chromium, clicks "Place order" and waits
 * for the page's answer. Prints one JSON line: {state, traceId, text}.
 *
 *   node place-order.mjs http://127.0.0.1:8080/ [--quantity N]
 *
 * Exit status 0 when the order was placed, 1 otherwise.
 */
import { chromium } from 'playwright-core';

const [url] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: node place-order.mjs URL\n');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const page = await browser.newPage();
  page.on('console', (message) => process.stderr.write(`page: ${message.text()}\n`));
  page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
  await page.goto(url);
  const status = page.locator('#status');
  await page.locator('#status[data-state="ready"]').waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.locator('#status[data-state="placed"], #status[data-state="failed"]').waitFor({ timeout: 15_000 });
  const result = {
    state: await status.getAttribute('data-state'),
    traceId: await status.getAttribute('data-trace-id'),
    text: await status.textContent(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = result.state === 'placed' ? 0 : 1;
} finally {
  await browser.close();
}
