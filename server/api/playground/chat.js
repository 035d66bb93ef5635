// Chat mode: the conversation kept in the page, each answer streamed from
// /v1/chat/completions (code blocks arrive guarded, and are highlighted), the guard's notes and
// the cost under each answer. Stop aborts the request (the server then stops the model).
import { api, ApiError, serverEvents } from "./api.js";
import { escapeHtml, highlightLines } from "./highlight.js";

const CODE_FENCES = new Set(["sourcepawn", "sp", "c", "cpp", ""]);
const $ = (id) => document.getElementById(id);
let conversation = [];
let controller = null;

/** `onAnswer(usage, usd)` counts an answer's cost; `onError(error)` shows what went wrong. */
export function initChat({ onAnswer, onError }) {
  const send = () => ask(onAnswer, onError);
  $("chat-form").addEventListener("submit", (e) => {
    e.preventDefault();
    send();
  });
  $("chat-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  });
  $("stop").addEventListener("click", () => controller && controller.abort());
  $("reset").addEventListener("click", () => {
    conversation = [];
    $("messages").innerHTML = "";
  });
}

async function ask(onAnswer, onError) {
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text || controller) return;
  onError(null);
  input.value = "";
  conversation.push({ role: "user", content: text });
  addMessage("user", text);
  const item = addMessage("assistant", "");
  item.classList.add("streaming");
  const body = item.querySelector(".body");
  controller = new AbortController();
  $("stop").disabled = false;
  $("send").disabled = true;
  let answer = "";
  let usage = null;
  let extension = null;
  try {
    const request = { messages: conversation, stream: true, stream_options: { include_usage: true } };
    const response = await api("/v1/chat/completions", request, controller.signal);
    for await (const chunk of serverEvents(response)) {
      if (chunk.error) throw new ApiError(chunk.error.message);
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) {
        answer += delta;
        body.innerHTML = renderMarkdown(answer);
        item.scrollIntoView({ block: "end" });
      }
      if (chunk.spcopilot) extension = chunk.spcopilot;
      if (chunk.usage) usage = chunk.usage;
    }
    conversation.push({ role: "assistant", content: answer });
    if (extension) {
      const footer = document.createElement("div");
      footer.className = "notes";
      footer.textContent = [...guardNotes(extension.guard), extension.cost].join(" · ");
      item.append(footer);
    }
    onAnswer(usage, extension ? extension.cost_usd : 0);
  } catch (error) {
    conversation.pop(); // the question went unanswered: forget it
    item.remove();
    if (error.name !== "AbortError") onError(error);
  } finally {
    item.classList.remove("streaming");
    controller = null;
    $("stop").disabled = true;
    $("send").disabled = false;
  }
}

function addMessage(role, text) {
  const item = document.createElement("li");
  item.className = `message ${role}`;
  item.innerHTML = `<div class="who">${role === "user" ? "you" : "copilot"}</div><div class="body"></div>`;
  item.querySelector(".body").innerHTML = renderMarkdown(text);
  $("messages").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function guardNotes(reports) {
  const notes = [];
  reports.forEach((report, i) => {
    const block = reports.length > 1 ? `block ${i + 1}: ` : "";
    if (report.fixed.length) notes.push(`${block}guard fixed ${report.fixed.map((f) => f.code).join(", ")}`);
    for (const d of report.remaining) notes.push(`${block}left: ${d.code} ${d.message} (line ${d.range.start.line + 1})`);
    if (report.syntax.length) notes.push(`${block}${report.syntax.length} syntax error(s)`);
  });
  return notes;
}

/** Just enough markdown for answers: paragraphs, `code`, **bold**, fenced blocks (SourcePawn
 * ones highlighted). Everything is escaped first. */
function renderMarkdown(text) {
  const html = [];
  const fence = /```([\w+-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
  let at = 0;
  for (const match of text.matchAll(fence)) {
    html.push(prose(text.slice(at, match.index)));
    const [, lang, body] = match;
    const code = CODE_FENCES.has(lang.toLowerCase()) ? highlightLines(body.replace(/\n$/, "")) : escapeHtml(body);
    html.push(`<pre class="code-block"><code>${code}</code></pre>`);
    at = match.index + match[0].length;
  }
  html.push(prose(text.slice(at)));
  return html.join("");
}

function prose(text) {
  if (!text.trim()) return "";
  return text
    .trim()
    .split(/\n{2,}/)
    .map((paragraph) => {
      const inline = escapeHtml(paragraph)
        .replace(/`([^`\n]+)`/g, "<code>$1</code>")
        .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
        .replace(/\n/g, "<br>");
      return `<p>${inline}</p>`;
    })
    .join("");
}
