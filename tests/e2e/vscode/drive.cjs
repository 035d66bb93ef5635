// Drives a real VS Code (code-server, the extension's .vsix installed) through Debian's
// Chromium with playwright-core, as a user would: open the plugin with planted mistakes, read
// the Problems panel, apply the quick fix (Ctrl+.), run "Fix all anti-patterns" from the command
// palette, type `HookEvent("` (auto-closed: `HookEvent("")`), see the ghost text around the
// closers and accept it with Tab (no doubled `")`, and no suggestion of the same text again
// after it), save, find a local's references (Shift+F12), rename it (F2), inspect a semantic
// token. Every step waits for what it needs
// (with a timeout), never for a fixed time. Prints one JSON report on stdout; screenshots go to
// $SPCOPILOT_E2E_ARTIFACTS.
//
// env: SPCOPILOT_E2E_URL, SPCOPILOT_E2E_WORKSPACE, SPCOPILOT_PLAYWRIGHT, SPCOPILOT_CHROMIUM,
//      SPCOPILOT_E2E_ARTIFACTS, SPCOPILOT_E2E_LOGS (code-server's logs folder)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { run, screenshot } = require("../chromium.cjs");

const url = process.env.SPCOPILOT_E2E_URL;
const workspace = process.env.SPCOPILOT_E2E_WORKSPACE;
const logDir = process.env.SPCOPILOT_E2E_LOGS;
const report = { steps: {}, ok: false };
const mod = "Control";

async function text(locator) {
  return (await locator.innerText()).replace(/\u00a0/g, " ");
}

async function waitForText(locator, needle, timeout = 60_000) {
  await locator.filter({ hasText: needle }).first().waitFor({ timeout });
}

/** Wait until the extension's log (its output channel, as VS Code writes it under the user
 * data folder's logs/) has a line matching `pattern`. */
async function waitForLog(pattern, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const logs = fs
      .readdirSync(logDir, { recursive: true })
      .filter((name) => path.basename(name) === "SourcePawn Copilot.log");
    if (logs.some((name) => pattern.test(fs.readFileSync(path.join(logDir, name), "utf8")))) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`no line matching ${pattern} in the extension's log within ${timeout} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function command(page, title) {
  await page.keyboard.press(`${mod}+Shift+P`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor();
  await page.keyboard.press("Enter");
}

async function goTo(page, line, column) {
  await page.keyboard.press(`${mod}+G`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill(`:${line}${column ? `:${column}` : ""}`);
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
}

/** Line `line` (1-based) of the first editor as shown (ghost text included): the view line at
 * the height of the gutter's line number. */
async function lineText(page, line) {
  return page.evaluate((n) => {
    const editor = document.querySelector(".editor-instance .monaco-editor");
    const numbers = [...editor.querySelectorAll(".margin-view-overlays .line-numbers")];
    const number = numbers.find((e) => e.textContent.trim() === String(n));
    const row = number && (number.style.top ? number : number.parentElement);
    const view =
      row && [...editor.querySelectorAll(".view-lines .view-line")].find((e) => e.style.top === row.style.top);
    return view ? view.innerText.replace(/\u00a0/g, " ") : null;
  }, line);
}

async function problems(page) {
  const rows = page.locator(".markers-panel .monaco-list-row");
  const out = [];
  for (let i = 0; i < (await rows.count()); i++) {
    out.push(await text(rows.nth(i)));
  }
  return out;
}

async function session(page) {
  await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator(".monaco-workbench").waitFor();
  report.steps.workbench = true;

  // Open the plugin with Quick Open, as a user would.
  await page.locator(".monaco-workbench .part.editor").click();
  await page.keyboard.press(`${mod}+P`);
  await page.locator(".quick-input-widget input").fill("pounce_reward.sp");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "pounce_reward.sp" }).first().waitFor();
  await page.keyboard.press("Enter");
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await waitForText(page.locator(".view-lines"), "Pounce Reward");
  report.steps.opened = true;

  // The status bar item: backend and model.
  const status = page.locator(".statusbar-item", { hasText: "spcopilot" }).first();
  await status.waitFor();
  await waitForText(page.locator(".statusbar-item"), "spcopilot: replay");
  report.steps.status = await text(status);

  // Diagnostics in the Problems panel.
  await page.keyboard.press(`${mod}+Shift+M`);
  const panel = page.locator(".markers-panel");
  await panel.waitFor();
  await waitForText(panel.locator(".monaco-list-row"), "SPC201");
  await waitForText(panel.locator(".monaco-list-row"), "SPC101");
  report.steps.problems = await problems(page);
  await screenshot(page, "vscode-problems.png");

  // The quick fix: cursor on "pounce", Ctrl+., pick the fix.
  await editor.click();
  await goTo(page, 24, 13);
  await page.keyboard.press(`${mod}+.`);
  const fix = page.locator(".action-widget .monaco-list-row", { hasText: "lunge_pounce" }).first();
  await fix.waitFor();
  report.steps.quickFixMenu = await page.locator(".action-widget .monaco-list-row").allInnerTexts();
  await screenshot(page, "vscode-quick-fix.png");
  await fix.click();
  await waitForText(page.locator(".view-lines .view-line"), 'HookEvent("lunge_pounce"');
  await panel.locator(".monaco-list-row", { hasText: "SPC201" }).first().waitFor({ state: "detached" });
  report.steps.quickFix = true;

  // Fix all anti-patterns, from the command palette.
  await command(page, "SourcePawn Copilot: Fix all anti-patterns");
  await waitForText(page.locator(".view-lines .view-line"), "GetRandomFloat(1.0, 3.0)");
  await panel.locator(".monaco-list-row", { hasText: "SPC101" }).first().waitFor({ state: "detached" });
  report.steps.fixAll = true;

  // Ghost text: a new line under the marker comment, type `HookEvent("` (VS Code auto-closes it
  // to `HookEvent("")`), accept with Tab: the suggestion replaces the closers instead of
  // doubling them.
  await editor.click();
  await goTo(page, 25);
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type('HookEvent("', { delay: 30 });
  report.steps.typedLine = await lineText(page, 26);
  // `"` opens the event-name completion list; a ghost text that is not one of its entries is
  // only shown once the list is closed.
  const suggestions = page.locator(".editor-widget.suggest-widget.visible");
  await suggestions.waitFor();
  report.steps.completionList = (await suggestions.locator(".monaco-list-row").allInnerTexts()).slice(0, 3);
  await page.keyboard.press("Escape");
  await suggestions.waitFor({ state: "hidden" });
  const ghost = page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text");
  await ghost.first().waitFor();
  report.steps.ghostText = await text(ghost.first());
  // Around the auto-closed `")` the suggestion is shown in parts: the closers stay real text.
  report.steps.ghostParts = (await ghost.allInnerTexts()).map((part) => part.replace(/\u00a0/g, " "));
  report.steps.lineWithGhost = await lineText(page, 26);
  await screenshot(page, "vscode-ghost-text.png");
  await page.keyboard.press("Tab");
  await ghost.first().waitFor({ state: "detached" });
  report.steps.accepted = await lineText(page, 26);
  // At the end of the accepted text VS Code asks for a suggestion again (and so do we, Alt+\);
  // the model answers what it answered a moment ago, which the server must not offer: it
  // would be written twice. Wait until the server says it had nothing there, then look.
  await page.keyboard.press("Alt+Backslash");
  await waitForLog(/inline: nothing to suggest at 26:/);
  report.steps.ghostsAfterAccept = await ghost.allInnerTexts();
  report.steps.lineAfterAccept = await lineText(page, 26);

  // Save: the test reads the file back from disk.
  await page.keyboard.press(`${mod}+S`);
  await page.locator(".tab.dirty").waitFor({ state: "detached" });
  report.steps.saved = true;
  await screenshot(page, "vscode-final.png");

  // Find all references (Shift+F12 peeks them), then rename (F2) the `hunter` local, then
  // the semantic token under the cursor, as "Inspect Editor Tokens and Scopes" shows it. (The
  // line typed above moved `int hunter` to line 31 and `g_fLastPounce[hunter]` to line 36;
  // columns count a tab as four.)
  await editor.click();
  await goTo(page, 31, 10);
  await page.keyboard.press("Shift+F12");
  const peek = page.locator(".zone-widget .peekview-widget");
  await peek.locator(".peekview-title .meta").first().waitFor();
  await waitForText(peek.locator(".peekview-title"), "reference");
  report.steps.references = await text(peek.locator(".peekview-title").first());
  await screenshot(page, "vscode-references.png");
  await page.keyboard.press("Escape");
  await peek.first().waitFor({ state: "detached" });
  await goTo(page, 31, 10);
  await page.keyboard.press("F2");
  const renameInput = page.locator(".rename-box input");
  await renameInput.waitFor();
  await renameInput.fill("pouncer");
  await page.keyboard.press("Enter");
  await waitForText(page.locator(".view-lines .view-line"), "int pouncer = ");
  report.steps.renamed = true;
  await page.keyboard.press(`${mod}+S`);
  await page.locator(".tab.dirty").waitFor({ state: "detached" });
  await goTo(page, 36, 6);
  await command(page, "Developer: Inspect Editor Tokens and Scopes");
  const inspect = page.locator(".token-inspect-widget");
  await waitForText(inspect, "semantic token type");
  report.steps.semanticToken = await text(inspect);
  await screenshot(page, "vscode-semantic-token.png");
  await page.keyboard.press("Escape");

  // Explain selection: the Event_Incap function, explained in a markdown document beside.
  await editor.click();
  await goTo(page, 41);
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press("Shift+ArrowDown");
  }
  await page.keyboard.press("Shift+End");
  await command(page, "SourcePawn Copilot: Explain selection");
  await waitForText(page.locator(".view-lines .view-line"), "Event_Incap tells everyone");
  report.steps.explain = true;

  // Generate plugin: a description in the input box; the new file opens.
  await command(page, "SourcePawn Copilot: Generate plugin");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill("announce the tank health every 30 seconds");
  await page.keyboard.press("Enter");
  const tab = page.locator(".tab.active", { hasText: "announce_the_tank_health" });
  await tab.waitFor();
  await waitForText(page.locator(".view-lines .view-line"), "GetRandomFloat(0.0, 1.0)");
  report.steps.generatedTab = await text(tab);
  const active = page.locator(".editor-group-container.active .view-lines .view-line");
  report.steps.generatedLines = (await active.allInnerTexts()).map((line) => line.replace(/\u00a0/g, " "));
  await screenshot(page, "vscode-generated-plugin.png");
}

run(report, { viewport: { width: 1600, height: 1000 }, timeout: 60_000, failureShot: "vscode-failure.png" }, session);
