import assert from "node:assert/strict";
import { test } from "node:test";
import { findExecutable, INSTALL_COMMAND, problemMessage, serverLaunch } from "../src/serverLaunch";

test("the command setting starts `<command> serve`", () => {
  assert.deepEqual(serverLaunch({ command: "spcopilot", python: "", extraArgs: [] }, "/h"), {
    command: "spcopilot",
    args: ["serve"],
    viaPython: false,
  });
  assert.deepEqual(serverLaunch({ command: "  ", python: "", extraArgs: ["--log-level", "debug"] }, "/h"), {
    command: "spcopilot",
    args: ["serve", "--log-level", "debug"],
    viaPython: false,
  });
  assert.equal(
    serverLaunch({ command: "~/bin/spcopilot", python: "", extraArgs: [] }, "/h").command,
    "/h/bin/spcopilot",
  );
});

test("a python setting starts `<python> -m spcopilot serve` and wins over the command", () => {
  assert.deepEqual(serverLaunch({ command: "other", python: "~/.venv/bin/python", extraArgs: [] }, "/h"), {
    command: "/h/.venv/bin/python",
    args: ["-m", "spcopilot", "serve"],
    viaPython: true,
  });
});

test("bare names are searched on PATH, paths are taken as they are", () => {
  const files = new Set(["/opt/a/spcopilot", "/work/venv/bin/python"]);
  const exists = (f: string) => files.has(f);
  const env = { PATH: "/usr/bin::/opt/a" };
  assert.equal(findExecutable("spcopilot", env, exists, { platform: "linux" }), "/opt/a/spcopilot");
  assert.equal(findExecutable("missing", env, exists, { platform: "linux" }), undefined);
  assert.equal(findExecutable("/work/venv/bin/python", env, exists, { platform: "linux" }), "/work/venv/bin/python");
  assert.equal(
    findExecutable("venv/bin/python", env, exists, { platform: "linux", cwd: "/work" }),
    "/work/venv/bin/python",
  );
  assert.equal(findExecutable("spcopilot", {}, exists, { platform: "linux" }), undefined);
});

test("Windows: PATHEXT is tried", () => {
  const files = new Set(["C:\\py\\Scripts\\spcopilot.EXE"]);
  const found = findExecutable("spcopilot", { PATH: "C:\\py\\Scripts", PATHEXT: ".COM;.EXE" }, (f) => files.has(f), {
    platform: "win32",
  });
  assert.equal(found, "C:\\py\\Scripts\\spcopilot.EXE");
});

test("a missing server is explained with one install command", () => {
  const { message, install } = problemMessage({ kind: "not-found", command: "spcopilot" });
  assert.equal(install, INSTALL_COMMAND);
  assert.match(message, /not installed/);
  assert.ok(message.includes(INSTALL_COMMAND));
  assert.match(message, /spcopilot\.server\.command/);

  const other = problemMessage({ kind: "not-found", command: "/opt/x/spcopilot" });
  assert.match(other.message, /`\/opt\/x\/spcopilot` was not found/);

  const python = problemMessage({
    kind: "python-without-package",
    python: "/v/bin/python",
    detail: "ModuleNotFoundError: No module named 'spcopilot'",
  });
  assert.equal(python.install, "/v/bin/python -m pip install sourcepawn-copilot");
  assert.ok(python.message.includes(python.install));
  assert.match(python.message, /No module named/);
});
