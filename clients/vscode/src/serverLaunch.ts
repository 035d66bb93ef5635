// How the server is started, and what to tell the user when it cannot be. No `vscode` import.
import * as path from "node:path";

/** One command that installs the server (it is a Python package with a console script). */
export const INSTALL_COMMAND = "pipx install sourcepawn-copilot";

export interface LaunchSettings {
  command: string; // `spcopilot.server.command`
  python: string; // `spcopilot.server.python`
  extraArgs: readonly string[]; // `spcopilot.server.extraArgs`
}

export interface ServerLaunch {
  command: string;
  args: string[];
  viaPython: boolean;
}

export function serverLaunch(settings: LaunchSettings, home: string): ServerLaunch {
  const extra = [...settings.extraArgs];
  const python = settings.python.trim();
  if (python) {
    return { command: expand(python, home), args: ["-m", "spcopilot", "serve", ...extra], viaPython: true };
  }
  return { command: expand(settings.command.trim() || "spcopilot", home), args: ["serve", ...extra], viaPython: false };
}

function expand(command: string, home: string): string {
  return command === "~" || command.startsWith("~/") ? home + command.slice(1) : command;
}

/**
 * The full path of `command` the way a shell would find it: a command with a path separator is
 * taken as it is (relative to `cwd`), a bare name is searched on PATH (with PATHEXT on Windows).
 */
export function findExecutable(
  command: string,
  env: { PATH?: string; PATHEXT?: string },
  isExecutable: (file: string) => boolean,
  options: { platform?: string; cwd?: string } = {},
): string | undefined {
  const platform = options.platform ?? process.platform;
  const p = platform === "win32" ? path.win32 : path.posix;
  const extensions = platform === "win32" ? ["", ...(env.PATHEXT ?? ".COM;.EXE;.BAT;.CMD").split(";")] : [""];
  const candidates = (base: string) => extensions.map((ext) => base + ext);
  if (command.includes("/") || (platform === "win32" && command.includes("\\"))) {
    const full = p.isAbsolute(command) ? command : p.resolve(options.cwd ?? ".", command);
    return candidates(full).find(isExecutable);
  }
  for (const dir of (env.PATH ?? "").split(p.delimiter)) {
    if (!dir) {
      continue;
    }
    const found = candidates(p.join(dir, command)).find(isExecutable);
    if (found) {
      return found;
    }
  }
  return undefined;
}

/** What went wrong starting the server, said so that the user can act on it. */
export type LaunchProblem =
  { kind: "not-found"; command: string } | { kind: "python-without-package"; python: string; detail: string };

export function problemMessage(problem: LaunchProblem): { message: string; install: string } {
  if (problem.kind === "not-found") {
    const what =
      problem.command === "spcopilot"
        ? "the language server `spcopilot` is not installed (not found on PATH)"
        : `the server command \`${problem.command}\` was not found`;
    return {
      message:
        `SourcePawn Copilot: ${what}. Install it with \`${INSTALL_COMMAND}\`, ` +
        "or set `spcopilot.server.command` (or `spcopilot.server.python`) to where it is, then restart the server.",
      install: INSTALL_COMMAND,
    };
  }
  const install = `${problem.python} -m pip install sourcepawn-copilot`;
  return {
    message:
      `SourcePawn Copilot: \`${problem.python}\` cannot run the server (${problem.detail}). ` +
      `Install it there with \`${install}\`, or clear \`spcopilot.server.python\`.`,
    install,
  };
}
