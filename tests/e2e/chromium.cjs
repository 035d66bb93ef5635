// Shared by the browser drivers (tests/e2e/vscode/drive.cjs, tests/api/playground_drive.cjs):
// Debian's Chromium through playwright-core, headless, one page; the scenario runs against it,
// a failure is recorded in the report with a screenshot, and the report is printed as one JSON
// line on stdout (exit 1 when the scenario did not finish).
//
// env: SPCOPILOT_PLAYWRIGHT (playwright-core's folder), SPCOPILOT_CHROMIUM (the browser),
//      SPCOPILOT_E2E_ARTIFACTS (where screenshots go)
"use strict";
const path = require("node:path");
const { chromium } = require(process.env.SPCOPILOT_PLAYWRIGHT);

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function screenshot(page, name) {
  return page.screenshot({ path: path.join(process.env.SPCOPILOT_E2E_ARTIFACTS, name) });
}

async function drive(report, { viewport, timeout, failureShot, setup }, scenario) {
  const browser = await chromium.launch({ executablePath: process.env.SPCOPILOT_CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(timeout);
  if (setup) setup(page);
  try {
    await scenario(page);
    report.ok = true;
  } catch (error) {
    report.error = String(error && error.stack ? error.stack : error);
    await screenshot(page, failureShot).catch(() => {});
  } finally {
    await browser.close();
  }
}

function run(report, options, scenario) {
  drive(report, options, scenario)
    .catch((error) => {
      report.error = String(error && error.stack ? error.stack : error);
    })
    .finally(() => {
      process.stdout.write(JSON.stringify(report) + "\n");
      process.exit(report.ok ? 0 : 1);
    });
}

module.exports = { run, screenshot };
