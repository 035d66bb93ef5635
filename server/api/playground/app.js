// The playground page: generate a plugin from a preset or a prompt and see the guarded code
// (editor.js) with its diagnostics, check and fix it without a model, chat (chat.js), and keep
// count of the tokens and money spent. It talks only to the server that serves it (api.js).
import { apiJson, useToken, whenUnauthorized } from "./api.js";
import { initChat } from "./chat.js";
import { currentCode, findingsOf, initEditor, setCode } from "./editor.js";

const PRESETS = [
  {
    title: "Tank health announcer",
    prompt: "Announce the tank's health to all players every 10 seconds while a tank is alive.",
  },
  {
    title: "Hunter pounce stats",
    prompt: "Count each hunter's pounces during the round and announce the top pouncer when the round ends.",
  },
  {
    title: "Witch crown alert",
    prompt: "When a survivor kills a witch, tell everyone who killed her and whether it was a one-shot crown.",
  },
  {
    title: "Friendly-fire notice",
    prompt: "When a survivor hurts a teammate, tell both players who did it and how much damage it was.",
  },
  {
    title: "Saferoom medkits",
    prompt: "Give every survivor a first aid kit when the first survivor leaves the saferoom.",
  },
  {
    title: "Admin tank slay",
    prompt: "Add an admin command sm_slaytanks that kills every living tank, for admins with the slay flag.",
  },
];

const $ = (id) => document.getElementById(id);
const spent = { tokens: 0, usd: 0, server: null };

function showError(error) {
  const box = $("error");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

// -- the header: backend, model and the running cost ---------------------------------------------
async function refreshHealth() {
  try {
    const health = await apiJson("/health");
    $("backend").textContent = `${health.backend} · ${health.model || "no model"}`;
    $("backend").classList.toggle("off", health.backend === "none");
    spent.server = health.session;
    renderCost();
  } catch (error) {
    $("backend").textContent = "not connected";
    showError(error);
  }
}

function addCost(usage, usd) {
  if (usage) spent.tokens += usage.prompt_tokens + usage.completion_tokens;
  spent.usd += usd || 0;
  renderCost();
  refreshHealth();
}

function renderCost() {
  const badge = $("cost");
  badge.textContent = `${spent.tokens.toLocaleString("en")} tokens · $${spent.usd.toFixed(4)}`;
  const s = spent.server;
  if (s) {
    badge.title =
      `this page: ${spent.tokens} tokens, $${spent.usd.toFixed(6)}\n` +
      `server since start: ${s.requests} requests, ${s.prompt_tokens} prompt + ${s.completion_tokens} ` +
      `completion tokens, $${s.usd.toFixed(6)}${s.complete_pricing ? "" : " (some models unpriced)"}`;
  }
}

// -- generate, check, fix ------------------------------------------------------------------------
async function busy(button, work) {
  showError(null);
  button.disabled = true;
  document.body.classList.add("busy");
  try {
    await work();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
    document.body.classList.remove("busy");
  }
}

async function generate() {
  const prompt = $("prompt").value.trim();
  if (!prompt) {
    showError("Pick a preset or write a prompt first.");
    return;
  }
  $("generate-status").textContent = "generating…";
  const answer = await apiJson("/v1/generate-plugin", { prompt, repair: $("repair").checked });
  setCode(answer.code, findingsOf(answer.guard), answer.guard.fixed);
  addCost(answer.usage, answer.cost_usd);
  const verdict = answer.guard.clean ? "clean" : "errors left";
  const repaired = answer.guard.repaired_by_model ? ", repaired by the model" : "";
  $("generate-status").textContent = `${verdict}${repaired} · ${answer.cost} · ${answer.model}`;
}

async function check(fix) {
  const code = currentCode();
  const answer = await apiJson("/v1/check", { code, fix });
  setCode(fix ? answer.fixed_code : code, answer.diagnostics, fix ? answer.fixed : undefined);
}

// -- wiring ----------------------------------------------------------------------------------------
function showView(name) {
  for (const tab of document.querySelectorAll(".tab")) {
    const active = tab.dataset.view === name;
    tab.setAttribute("aria-selected", String(active));
    $(`view-${tab.dataset.view}`).hidden = !active;
  }
}

function renderPresets() {
  const list = $("presets");
  for (const preset of PRESETS) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.className = "preset";
    button.textContent = preset.title;
    button.title = preset.prompt;
    button.addEventListener("click", () => {
      for (const other of list.querySelectorAll(".preset")) other.classList.remove("active");
      button.classList.add("active");
      $("prompt").value = preset.prompt;
    });
    item.append(button);
    list.append(item);
  }
}

function init() {
  renderPresets();
  initEditor();
  setCode("", [], []);
  initChat({ onAnswer: addCost, onError: showError });
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showView(tab.dataset.view));
  $("generate").addEventListener("click", () => busy($("generate"), generate));
  $("check").addEventListener("click", () => busy($("check"), () => check(false)));
  $("fix").addEventListener("click", () => busy($("fix"), () => check(true)));
  $("copy").addEventListener("click", () => navigator.clipboard.writeText(currentCode()));
  whenUnauthorized(() => {
    $("token-bar").hidden = false;
  });
  $("token-bar").addEventListener("submit", (e) => {
    e.preventDefault();
    useToken($("token").value.trim());
    $("token-bar").hidden = true;
    showError(null);
    refreshHealth();
  });
  refreshHealth();
}

init();
