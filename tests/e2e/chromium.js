// What the browser scripts share (novnc_console.js, spice_console.js):
// headless Debian Chromium with a profile of the test's own, one page at
// `url`, and `check(page)` polled every 100 ms until it returns true or
// `timeout` ms pass. Resolves to whether it did; the browser is closed
// either way.
'use strict';
const { chromium } = require('playwright-core');

async function pollPage(url, profile, timeout, check) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'
    ],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    await page.goto(url, { timeout });
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      if (await check(page)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  } finally {
    await context.close();
  }
}

module.exports = { pollPage };
