import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { COMMANDS } from "../src/commandIds";
import {
  acceptedFeedback,
  appliedNote,
  createdFiles,
  explanationText,
  generatedPlugin,
  isNotSupported,
  isWorkspaceEdit,
  resultUri,
  SERVER_COMMANDS,
} from "../src/protocol";

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8"));

test("the extension's commands are contributed and never collide with the server's", () => {
  const contributed = new Set(manifest.contributes.commands.map((c: { command: string }) => c.command));
  const server = new Set<string>(Object.values(SERVER_COMMANDS));
  for (const id of Object.values(COMMANDS)) {
    assert.ok(contributed.has(id), `${id} is not contributed`);
    assert.ok(!server.has(id), `${id} is also a server command (the language client registers those)`);
  }
  assert.equal(contributed.size, Object.values(COMMANDS).length);
});

test("the language is contributed for .sp and .inc without a grammar of its own", () => {
  const [language] = manifest.contributes.languages;
  assert.equal(language.id, "sourcepawn");
  assert.deepEqual(language.extensions, [".sp", ".inc"]);
  assert.equal(manifest.contributes.grammars, undefined);
  assert.ok(manifest.activationEvents.includes("onLanguage:sourcepawn"));
});

test("workspace edits are told from other results, and their created files found", () => {
  const edit = {
    documentChanges: [
      { kind: "create", uri: "file:///w/new_plugin.sp" },
      { textDocument: { uri: "file:///w/new_plugin.sp", version: null }, edits: [] },
    ],
  };
  assert.ok(isWorkspaceEdit(edit));
  assert.ok(isWorkspaceEdit({ changes: {} }));
  assert.ok(!isWorkspaceEdit(null));
  assert.ok(!isWorkspaceEdit("text"));
  assert.ok(!isWorkspaceEdit([]));
  assert.ok(!isWorkspaceEdit({ uri: "file:///x" }));
  assert.deepEqual(createdFiles(edit), ["file:///w/new_plugin.sp"]);
  assert.deepEqual(createdFiles({ changes: { "file:///a.sp": [] } }), []);
});

test("results: a uri, an explanation", () => {
  assert.equal(resultUri("file:///w/a.sp"), "file:///w/a.sp");
  assert.equal(resultUri({ uri: "file:///w/b.sp" }), "file:///w/b.sp");
  assert.equal(resultUri("just text"), undefined);
  assert.equal(resultUri(null), undefined);
  assert.equal(explanationText("**x**"), "**x**");
  assert.equal(explanationText({ kind: "markdown", value: "v" }), "v");
  assert.equal(explanationText({ markdown: "m" }), "m");
  assert.equal(explanationText(3), undefined);
});

test("inline acceptance feedback comes from the item's command arguments", () => {
  assert.deepEqual(acceptedFeedback([{ id: "c1", kind: "accept" }]), { id: "c1", kind: "accept" });
  assert.deepEqual(acceptedFeedback([{ id: 7 }]), { id: "7", kind: "accept" });
  assert.equal(acceptedFeedback([]), undefined);
  assert.equal(acceptedFeedback([{ kind: "accept" }]), undefined);
});

test("'method not found' and unknown commands mean not supported", () => {
  assert.ok(isNotSupported({ code: -32601, message: "Method Not Found: workspace/executeCommand" }));
  assert.ok(isNotSupported({ code: -32603, message: "Unknown command: spcopilot.fixAll" }));
  assert.ok(!isNotSupported({ code: -32803, message: "no AI backend is configured" }));
  assert.ok(!isNotSupported(undefined));
});

test("generate plugin: the path, and the code when the server could not apply its edit", () => {
  assert.deepEqual(generatedPlugin({ uri: "file:///w/a.sp", applied: true, text: "x" }), { uri: "file:///w/a.sp" });
  assert.deepEqual(generatedPlugin({ uri: "file:///w/a.sp", applied: false, text: "code" }), {
    uri: "file:///w/a.sp",
    code: "code",
  });
  assert.equal(generatedPlugin({ applied: false, text: "code" }), undefined);
});

test("a command that applied nothing says why", () => {
  assert.equal(appliedNote({ uri: "file:///a.sp", applied: false, title: "nothing to fix" }), "nothing to fix");
  assert.equal(appliedNote({ applied: true, title: "Fix all" }), undefined);
  assert.equal(appliedNote(null), undefined);
});
