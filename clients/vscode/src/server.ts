// The language client's lifecycle: check that the server can start, start it with the settings
// and the API key, keep it informed of changes, restart it, and show its state in the status bar.
import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  CancellationToken,
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  ResponseError,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";
import { COMMANDS } from "./commandIds";
import { createdFiles, INLINE_FEEDBACK, acceptedFeedback, SERVER_COMMANDS } from "./protocol";
import { findExecutable, problemMessage, serverLaunch, type LaunchProblem, type ServerLaunch } from "./serverLaunch";
import { serverSettingKeys, serverSettings, withApiKey } from "./settings";
import { BusyCounter, statusText, type ServerState } from "./status";

export const SECTION = "spcopilot";
const API_KEY_SECRET = "spcopilot.openaiApiKey";
const SELECTOR = [
  { language: "sourcepawn", scheme: "file" },
  { language: "sourcepawn", scheme: "untitled" },
];

export class ServerController implements vscode.Disposable {
  client: LanguageClient | undefined;
  readonly output: vscode.LogOutputChannel;
  readonly busy: BusyCounter;
  private readonly status: vscode.StatusBarItem;
  private state: ServerState = "stopped";
  private apiKey: string | undefined;
  private sessionDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private starting: Promise<void> | undefined;
  private openAfterEdit = new Set<string>();
  private readonly settingKeys: string[];

  constructor(private readonly context: vscode.ExtensionContext) {
    this.settingKeys = serverSettingKeys(context.extension.packageJSON.contributes.configuration.properties);
    this.output = vscode.window.createOutputChannel("SourcePawn Copilot", { log: true });
    this.status = vscode.window.createStatusBarItem("spcopilot.status", vscode.StatusBarAlignment.Right, 100);
    this.status.name = "SourcePawn Copilot";
    this.status.command = COMMANDS.showServerLog;
    this.busy = new BusyCounter(() => this.updateStatus());
    this.disposables.push(
      this.output,
      this.status,
      vscode.workspace.onDidChangeConfiguration((e) => this.configurationChanged(e)),
      context.secrets.onDidChange((e) => {
        if (e.key === API_KEY_SECRET) {
          void this.apiKeyChanged();
        }
      }),
    );
    this.updateStatus();
    this.status.show();
  }

  // -- the API key (SecretStorage only) ------------------------------------------------------
  async setApiKey(key: string | undefined): Promise<void> {
    if (key) {
      await this.context.secrets.store(API_KEY_SECRET, key);
    } else {
      await this.context.secrets.delete(API_KEY_SECRET);
    }
  }

  private async apiKeyChanged(): Promise<void> {
    const key = await this.context.secrets.get(API_KEY_SECRET);
    if (key === this.apiKey) {
      return;
    }
    this.apiKey = key;
    // The server reads the key at start (initializationOptions): restarting is the one way that
    // also works for a removed key.
    if (this.client) {
      await this.restart();
    }
  }

  // -- settings ------------------------------------------------------------------------------
  settingsFor(scope?: vscode.Uri): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration(SECTION, scope);
    return serverSettings(this.settingKeys, (key) => config.inspect(key));
  }

  private launch(): ServerLaunch {
    const config = vscode.workspace.getConfiguration(SECTION);
    return serverLaunch(
      {
        command: config.get<string>("server.command", "spcopilot"),
        python: config.get<string>("server.python", ""),
        extraArgs: config.get<string[]>("server.extraArgs", []),
      },
      os.homedir(),
    );
  }

  private configurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration(SECTION)) {
      return;
    }
    this.updateStatus();
    if (event.affectsConfiguration(`${SECTION}.server`)) {
      void this.restart();
      return;
    }
    if (this.client?.state === State.Running) {
      // The server pulls workspace/configuration on this notification (answered by the
      // middleware below); the settings travel along for servers that read them from here.
      void this.client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: withApiKey(this.settingsFor(), this.apiKey) },
      });
    }
  }

  // -- start, stop, restart ------------------------------------------------------------------
  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.client) {
      return;
    }
    this.apiKey = await this.context.secrets.get(API_KEY_SECRET);
    const launch = this.launch();
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const checked = await preflight(launch, cwd);
    if ("kind" in checked) {
      this.setState("missing");
      const { message, install } = problemMessage(checked);
      this.output.appendLine(message);
      void this.showProblem(message, install);
      return;
    }
    this.setState("starting");
    this.output.appendLine(`starting: ${checked.path} ${launch.args.join(" ")}`);
    const serverOptions: ServerOptions = {
      command: checked.path,
      args: launch.args,
      // (no `transport`: TransportKind.stdio would add a `--stdio` argument the server does not take)
      options: { cwd },
    };
    const client = new LanguageClient("spcopilot", "SourcePawn Copilot", serverOptions, this.clientOptions());
    this.client = client;
    this.sessionDisposables.push(
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          this.setState("running");
        } else if (e.newState === State.Stopped && this.client === client) {
          this.setState("stopped");
        }
      }),
    );
    try {
      await client.start();
    } catch (error) {
      this.output.appendLine(`the server did not start: ${String(error)}`);
      this.setState("stopped");
      return;
    }
    await this.registerFeedbackFallback(client);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.sessionDisposables.forEach((d) => d.dispose());
    this.sessionDisposables = [];
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.appendLine(`stopping the server: ${String(error)}`);
      }
      await client.dispose();
    }
    this.setState("stopped");
  }

  async restart(): Promise<void> {
    await this.starting;
    await this.stop();
    await this.start();
  }

  /** The running client, or a message saying why there is none. */
  async runningClient(): Promise<LanguageClient | undefined> {
    await this.starting;
    if (!this.client && this.state !== "missing") {
      await this.start();
    }
    if (this.client?.state === State.Running) {
      return this.client;
    }
    if (this.state !== "missing") {
      void vscode.window.showErrorMessage("SourcePawn Copilot: the server is not running (see its log).");
    }
    return undefined;
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: SELECTOR,
      outputChannel: this.output,
      initializationOptions: () => withApiKey(this.settingsFor(), this.apiKey),
      middleware: {
        workspace: {
          // The server asks for section "spcopilot": answer with its settings only (the
          // extension's own `server.*` keys and unset defaults stay out, the key never goes).
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) {
              return answers;
            }
            return params.items.map((item, i) =>
              item.section === SECTION
                ? this.settingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                : answers[i],
            );
          },
          // Files the server creates (Generate plugin) are opened once the edit is applied.
          handleApplyEdit: async (params, next) => {
            const result = await next(params, CancellationToken.None);
            if (!(result instanceof ResponseError) && result.applied) {
              for (const uri of createdFiles(params.edit)) {
                this.openAfterEdit.add(uri);
              }
            }
            return result;
          },
        },
        provideInlineCompletionItems: (document, position, context, token, next) =>
          this.busy.run(() => next(document, position, context, token)),
      },
    };
  }

  /** Files created by the server's edits since the last call. */
  takeCreatedFiles(): string[] {
    const files = [...this.openAfterEdit];
    this.openAfterEdit.clear();
    return files;
  }

  /**
   * An accepted suggestion runs its item's command, `spcopilot.inlineAccepted`. The language
   * client registers it when the server lists it among its commands; when it does not, this
   * forwards the acceptance as the feedback notification.
   */
  private async registerFeedbackFallback(client: LanguageClient): Promise<void> {
    const listed = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    if (listed.includes(SERVER_COMMANDS.inlineAccepted)) {
      return;
    }
    this.sessionDisposables.push(
      vscode.commands.registerCommand(SERVER_COMMANDS.inlineAccepted, (...args: unknown[]) => {
        const feedback = acceptedFeedback(args);
        if (feedback && client.state === State.Running) {
          void client.sendNotification(INLINE_FEEDBACK, feedback);
        }
      }),
    );
  }

  // -- status bar ----------------------------------------------------------------------------
  private setState(state: ServerState): void {
    this.state = state;
    this.updateStatus();
  }

  updateStatus(): void {
    const config = vscode.workspace.getConfiguration(SECTION);
    const { text, tooltip } = statusText({
      state: this.state,
      backend: config.get<string>("backend", ""),
      model: config.get<string>("model", ""),
      gguf: config.get<string>("gguf", ""),
      busy: this.busy.busy,
    });
    this.status.text = text;
    this.status.tooltip = tooltip;
  }

  private async showProblem(message: string, install: string): Promise<void> {
    const copy = "Copy install command";
    const settings = "Open settings";
    const retry = "Retry";
    const choice = await vscode.window.showErrorMessage(message, copy, settings, retry);
    if (choice === copy) {
      await vscode.env.clipboard.writeText(install);
    } else if (choice === settings) {
      await vscode.commands.executeCommand("workbench.action.openSettings", "spcopilot.server");
    } else if (choice === retry) {
      await this.restart();
    }
  }

  dispose(): void {
    void this.stop();
    this.disposables.forEach((d) => d.dispose());
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether the server can be started at all (a missing command is said so, not failed on). */
async function preflight(launch: ServerLaunch, cwd: string | undefined): Promise<LaunchProblem | { path: string }> {
  const found = findExecutable(launch.command, { PATH: process.env.PATH, PATHEXT: process.env.PATHEXT }, isExecutable, {
    cwd,
  });
  if (!found) {
    return launch.viaPython
      ? { kind: "python-without-package", python: launch.command, detail: "no such interpreter" }
      : { kind: "not-found", command: launch.command };
  }
  if (!launch.viaPython) {
    return { path: found };
  }
  const detail = await new Promise<string | undefined>((resolve) => {
    execFile(found, ["-c", "import spcopilot.server.lsp"], { timeout: 20000, cwd }, (error, _stdout, stderr) => {
      if (!error) {
        resolve(undefined);
        return;
      }
      const lastLine = String(stderr).trim().split("\n").pop();
      resolve(lastLine || String(error.message));
    });
  });
  return detail ? { kind: "python-without-package", python: launch.command, detail } : { path: found };
}
