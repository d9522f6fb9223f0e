// Opens a spice-html5 page (spice_auto.html) in headless Debian Chromium and
// reports what a person would see. Run by tests/e2e/spice_browser_test.cc:
//   node spice_console.js URL connected|failed PROFILE_DIR [TIMEOUT_MS]
// connected: waits for the canvases spice-html5 draws into #spice-screen to
//   show more than 1000 non-black pixels (SeaBIOS text); exit 0.
// failed: waits for spice-html5 to report an error in #message-div (the
//   WebSocket refused or closed); exit 0.
// Prints one line: "errors=<#message-div errors> pixels=<n>". Exit 2 on a
// browser error, 3 when the expectation was not met in time.
'use strict';
const { pollPage } = require('./chromium');

const [url, expectation, profile, timeoutArg] = process.argv.slice(2);
const timeout = Number(timeoutArg || 20000);

// Counts lit pixels over every canvas of spice-html5's screen.
function countLitPixels() {
  let lit = 0;
  for (const canvas of document.querySelectorAll('#spice-screen canvas')) {
    if (canvas.width === 0 || canvas.height === 0) continue;
    const data = canvas.getContext('2d')
                     .getImageData(0, 0, canvas.width, canvas.height)
                     .data;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] > 16 || data[i + 1] > 16 || data[i + 2] > 16) lit++;
    }
  }
  return lit;
}

function errorText() {
  return Array.from(document.querySelectorAll('.spice-message-error'))
      .map((p) => p.textContent)
      .join(' | ');
}

async function main() {
  let errors = '';
  let pixels = 0;
  const ok = await pollPage(url, profile, timeout, async (page) => {
    errors = await page.evaluate(errorText);
    if (expectation === 'connected') {
      pixels = await page.evaluate(countLitPixels);
      return pixels > 1000;
    }
    return errors !== '';
  });
  console.log(`errors=${JSON.stringify(errors)} pixels=${pixels}`);
  return ok ? 0 : 3;
}

main().then((code) => process.exit(code), (error) => {
  console.log(`error=${JSON.stringify(String(error && error.message))}`);
  process.exit(2);
});
