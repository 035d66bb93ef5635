import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { API_KEY, explicitValue, serverName, serverSettingKeys, serverSettings, withApiKey } from "../src/settings";

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8"));
const properties: Record<string, { default?: unknown }> = manifest.contributes.configuration.properties;

test("the most specific explicit value wins; defaults are not values", () => {
  assert.equal(explicitValue(undefined), undefined);
  assert.equal(explicitValue({}), undefined);
  assert.equal(explicitValue({ globalValue: "a" }), "a");
  assert.equal(explicitValue({ globalValue: "a", workspaceValue: "b" }), "b");
  assert.equal(explicitValue({ workspaceValue: "b", workspaceFolderValue: "c" }), "c");
  assert.equal(explicitValue({ workspaceFolderValue: "c", workspaceFolderLanguageValue: "d" }), "d");
  assert.equal(explicitValue({ globalValue: false }), false);
});

test("setting keys take the server's kebab-case names", () => {
  assert.equal(serverName("includeDirs"), "include-dirs");
  assert.equal(serverName("baseUrl"), "base-url");
  assert.equal(serverName("maxFileMb"), "max-file-mb");
  assert.equal(serverName("inlineTimeCapMs"), "inline-time-cap-ms");
  assert.equal(serverName("game"), "game");
});

test("the server's settings are the manifest's, less the extension's own server.* keys", () => {
  const keys = serverSettingKeys(properties);
  for (const key of [
    "backend",
    "model",
    "baseUrl",
    "gguf",
    "replayFile",
    "inlineCompletion",
    "includeDirs",
    "gameDir",
    "errorLogs",
  ]) {
    assert.ok(keys.includes(key), `${key} is a server setting`);
  }
  assert.ok(!keys.some((key) => key.startsWith("server.")));
  assert.ok(!keys.includes("apiKey"), "the key is never a setting");
});

test("only explicitly set settings are sent", () => {
  const set: Record<string, unknown> = {
    includeDirs: ["scripting/include"],
    backend: "replay",
    replayFile: "~/replay.jsonl",
    baseUrl: "http://127.0.0.1:8000/v1",
    lintWorkspace: false,
    gameDir: "", // an empty path is "not set"
    threads: null,
  };
  const keys = [...Object.keys(set), "model", "logLevel"];
  const settings = serverSettings(keys, (key) => (key in set ? { globalValue: set[key] } : { globalValue: undefined }));
  assert.deepEqual(settings, {
    "include-dirs": ["scripting/include"],
    backend: "replay",
    "replay-file": "~/replay.jsonl",
    "base-url": "http://127.0.0.1:8000/v1",
    "lint-workspace": false,
  });
});

test("nothing set sends nothing (the workspace's .spcopilot.toml applies)", () => {
  assert.deepEqual(
    serverSettings(serverSettingKeys(properties), () => ({})),
    {},
  );
});

test("the API key only goes where it is added", () => {
  const settings = { backend: "openai" };
  assert.deepEqual(withApiKey(settings, "sk-test"), { backend: "openai", [API_KEY]: "sk-test" });
  assert.deepEqual(withApiKey(settings, undefined), { backend: "openai" });
  assert.deepEqual(settings, { backend: "openai" }, "the settings object is not changed");
});
