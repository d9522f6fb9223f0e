// Opens a noVNC page in headless Debian Chromium and reports what a person
// would see. Run by tests/e2e/novnc_browser_test.cc:
//   node novnc_console.js URL connected|failed PROFILE_DIR [TIMEOUT_MS]
// connected: waits for noVNC's #status to say "Connected", then for the
//   canvas to show more than 1000 non-black pixels (SeaBIOS text); exit 0.
// failed: waits for noVNC to give up ("Something went wrong" /
//   "Disconnected"); exit 0.
// closed:CODE: waits for #status to end in "(CODE)", what Porthole's page
//   (porthole_vnc.html) shows for the proxy's close frame; exit 0.
// Prints one line: "status=<#status text> pixels=<n>". Exit 2 on a browser
// error, 3 when the expectation was not met in time.
'use strict';
const { pollPage } = require('./chromium');

const [url, expectation, profile, timeoutArg] = process.argv.slice(2);
const timeout = Number(timeoutArg || 20000);

// Counts canvas pixels that are not black in noVNC's screen.
function countLitPixels() {
  const canvas = document.querySelector('#screen canvas');
  if (!canvas || canvas.width === 0 || canvas.height === 0) return 0;
  const data = canvas.getContext('2d')
                   .getImageData(0, 0, canvas.width, canvas.height)
                   .data;
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] > 16 || data[i + 1] > 16 || data[i + 2] > 16) lit++;
  }
  return lit;
}

async function main() {
  let status = '';
  let pixels = 0;
  const ok = await pollPage(url, profile, timeout, async (page) => {
    status = await page.evaluate(
        () => document.getElementById('status').textContent);
    if (expectation === 'connected' && status.startsWith('Connected')) {
      pixels = await page.evaluate(countLitPixels);
      return pixels > 1000;
    }
    if (expectation.startsWith('closed:')) {
      return status.endsWith(`(${expectation.slice('closed:'.length)})`);
    }
    return expectation === 'failed' &&
        /went wrong|Disconnected|Failed/.test(status);
  });
  console.log(`status=${JSON.stringify(status)} pixels=${pixels}`);
  return ok ? 0 : 3;
}

main().then((code) => process.exit(code), (error) => {
  console.log(`error=${JSON.stringify(String(error && error.message))}`);
  process.exit(2);
});
