// Drives the playground page in Debian's Chromium with playwright-core, as a person would: paste
// code and check it, apply the fixes, pick a preset and generate a plugin (replay backend), read
// the highlighted code and the diagnostics beside it, click a diagnostic, chat, and watch the
// cost. Every step waits for what it needs (with a timeout), never for a fixed time. Prints one
// JSON report on stdout; screenshots go to $SPCOPILOT_E2E_ARTIFACTS.
//
// With SPCOPILOT_PLAYGROUND_TOKEN set, only the other scenario: a server that wants a token; the
// page asks for it, and works once it is given.
//
// env: SPCOPILOT_PLAYGROUND_URL, SPCOPILOT_PLAYWRIGHT, SPCOPILOT_CHROMIUM, SPCOPILOT_E2E_ARTIFACTS,
//      SPCOPILOT_CHAT_QUESTION, SPCOPILOT_PLAYGROUND_TOKEN
"use strict";
const { run, screenshot } = require("../e2e/chromium.cjs");

const url = process.env.SPCOPILOT_PLAYGROUND_URL;
const report = { steps: {}, problems: [], ok: false };

const PASTED = 'public void OnPluginStart()\n{\n\tHookEvent("pounce", Event_Pounce);\n}\n';

function watch(page) {
  page.on("pageerror", (error) => report.problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") report.problems.push(`console: ${message.text()}`);
  });
}

const texts = (page, selector) => page.locator(selector).allInnerTexts();

async function session(page) {
  const steps = report.steps;
  await page.goto(url);
  await page.locator("#backend", { hasText: "replay" }).waitFor();
  steps.backend = await page.locator("#backend").innerText();

  // Paste code, check it (no model), apply the safe fixes.
  await page.locator("#code").fill(PASTED);
  await page.locator("#check").click();
  await page.locator("#diagnostics li", { hasText: "SPC201" }).waitFor();
  steps.checked = await texts(page, "#diagnostics li");
  steps.checkedLine = await page.locator("#code-view .line").nth(2).getAttribute("class");
  await page.locator("#fix").click();
  await page.locator("#repaired li", { hasText: "SPC201" }).waitFor();
  steps.fixedCode = await page.locator("#code").inputValue();

  // A preset, then generate.
  await page.locator(".preset", { hasText: "Tank health announcer" }).click();
  steps.prompt = await page.locator("#prompt").inputValue();
  await page.locator("#generate").click();
  await page.locator("#generate-status", { hasText: "no cost (local)" }).waitFor();
  steps.status = await page.locator("#generate-status").innerText();
  steps.code = await page.locator("#code").inputValue();
  steps.tokenKinds = await page.$$eval("#code-view [class^='tok-']", (found) => [
    ...new Set(found.map((e) => e.className)),
  ]);
  steps.functions = await page.$$eval("#code-view .tok-function", (found) => found.map((e) => e.textContent));
  steps.highlightedText = await page.$eval("#code-view", (e) => [...e.querySelectorAll(".line")].map((l) => l.textContent).join("\n"));
  steps.diagnostics = await texts(page, "#diagnostics li");
  steps.repaired = await texts(page, "#repaired li");
  steps.warningLines = await page.locator("#code-view .line.sev-warning").count();
  steps.metrics = await page.evaluate(() => {
    const measure = (e) => {
      const style = getComputedStyle(e);
      return [style.fontFamily, style.fontSize, style.lineHeight, style.tabSize].join(" ");
    };
    return { textarea: measure(document.getElementById("code")), highlight: measure(document.getElementById("code-view")) };
  });
  steps.costAfterGenerate = await page.locator("#cost").innerText();

  // A diagnostic selects the code it is about.
  await page.locator("#diagnostics li").first().click();
  steps.selected = await page.evaluate(() => {
    const area = document.getElementById("code");
    return area.value.slice(area.selectionStart, area.selectionEnd);
  });
  await screenshot(page, "playground.png");

  // Chat (streamed).
  await page.locator("#tab-chat").click();
  await page.locator("#chat-input").fill(process.env.SPCOPILOT_CHAT_QUESTION);
  await page.locator("#chat-input").press("Enter");
  await page.locator(".message.assistant .notes").waitFor();
  steps.answer = await page.locator(".message.assistant .body").innerText();
  steps.answerFunctions = await page.$$eval(".message.assistant .tok-function", (found) => found.map((e) => e.textContent));
  steps.notes = await page.locator(".message.assistant .notes").innerText();
  steps.costAfterChat = await page.locator("#cost").innerText();
  await screenshot(page, "playground-chat.png");
}

async function tokenSession(page) {
  const steps = report.steps;
  await page.goto(url);
  await page.locator("#token-bar").waitFor(); // the page's /health was refused: it asks
  steps.asked = await page.locator("#error").innerText();
  await page.locator("#token").fill(process.env.SPCOPILOT_PLAYGROUND_TOKEN);
  await page.locator("#token-bar button").click();
  await page.locator("#backend", { hasText: "replay" }).waitFor();
  steps.tokenBarHidden = await page.locator("#token-bar").isHidden();
  await page.locator("#code").fill('public void OnPluginStart()\n{\n\tHookEvent("pounce", E);\n}\n');
  await page.locator("#check").click();
  await page.locator("#diagnostics li", { hasText: "SPC201" }).waitFor();
  steps.checked = await texts(page, "#diagnostics li");
}

run(
  report,
  { viewport: { width: 1500, height: 950 }, timeout: 30_000, failureShot: "playground-failure.png", setup: watch },
  process.env.SPCOPILOT_PLAYGROUND_TOKEN ? tokenSession : session,
);
