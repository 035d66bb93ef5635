import assert from "node:assert/strict";
import { test } from "node:test";
import { backendLabel, BusyCounter, statusText } from "../src/status";

test("the backend label names the backend and its model", () => {
  assert.equal(backendLabel({ backend: "", model: "", gguf: "" }), "no AI");
  assert.equal(backendLabel({ backend: "none", model: "x", gguf: "" }), "no AI");
  assert.equal(backendLabel({ backend: "openai", model: "gpt-4o-mini", gguf: "" }), "openai gpt-4o-mini");
  assert.equal(backendLabel({ backend: "openai", model: "", gguf: "" }), "openai");
  assert.equal(
    backendLabel({ backend: "llamacpp", model: "", gguf: "/m/sp-1b.Q4_K_M.gguf" }),
    "llamacpp sp-1b.Q4_K_M.gguf",
  );
  assert.equal(backendLabel({ backend: "replay", model: "", gguf: "" }), "replay");
});

test("the status text follows the server's state and the model's work", () => {
  const base = { backend: "openai", model: "gpt-4o-mini", gguf: "", busy: false };
  assert.equal(statusText({ ...base, state: "running" }).text, "$(sparkle) spcopilot: openai gpt-4o-mini");
  assert.equal(
    statusText({ ...base, state: "running", busy: true }).text,
    "$(loading~spin) spcopilot: openai gpt-4o-mini",
  );
  assert.equal(statusText({ ...base, backend: "none", state: "running" }).text, "$(check) spcopilot");
  assert.match(statusText({ ...base, state: "missing" }).tooltip, /not installed/);
  assert.equal(statusText({ ...base, state: "stopped" }).text, "$(error) spcopilot");
  assert.equal(statusText({ ...base, state: "starting" }).text, "$(sync~spin) spcopilot");
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test("busy is shown for work that outlasts the delay, and cleared when the last one ends", async () => {
  const changes: boolean[] = [];
  const busy = new BusyCounter((b) => changes.push(b), 5);
  const first = deferred();
  const second = deferred();
  const a = busy.run(() => first.promise);
  const b = busy.run(() => second.promise);
  while (!busy.busy) {
    await new Promise((r) => setTimeout(r, 5));
  }
  first.resolve();
  await a;
  assert.deepEqual(changes, [true], "still busy while one request runs");
  second.resolve();
  await b;
  assert.deepEqual(changes, [true, false]);
});

test("quick work never shows busy, and errors still end it", async () => {
  const changes: boolean[] = [];
  const busy = new BusyCounter((b) => changes.push(b), 10_000);
  assert.equal(await busy.run(() => 42), 42);
  await assert.rejects(
    busy.run(() => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.deepEqual(changes, []);
  assert.equal(busy.busy, false);
});
