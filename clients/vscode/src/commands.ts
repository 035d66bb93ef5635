// The extension's commands: thin wrappers that ask the user what is needed, call the server's
// workspace/executeCommand commands with progress and cancellation, and show or apply the result.
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  type LanguageClient,
  type WorkspaceEdit as ProtocolWorkspaceEdit,
} from "vscode-languageclient/node";
import {
  appliedNote,
  explanationText,
  FIX_ALL_KIND,
  generatedPlugin,
  isNotSupported,
  isWorkspaceEdit,
  SERVER_COMMANDS,
} from "./protocol";
import type { ServerController } from "./server";
import { COMMANDS } from "./commandIds";

/** Explanations as read-only documents (closing one asks nothing). */
class Explanations implements vscode.TextDocumentContentProvider {
  static readonly scheme = "spcopilot-explanation";
  private readonly texts = new Map<string, string>();
  private count = 0;

  add(name: string, markdown: string): vscode.Uri {
    this.count += 1;
    const uri = vscode.Uri.from({ scheme: Explanations.scheme, path: `/${this.count}/${name}` });
    this.texts.set(uri.toString(), markdown);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }
}

const explanations = new Explanations();

export function registerCommands(server: ServerController): vscode.Disposable[] {
  const register = (id: string, run: (...args: never[]) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await run(...args);
      } catch (error) {
        showError(server, error);
        return undefined;
      }
    });
  return [
    vscode.workspace.registerTextDocumentContentProvider(Explanations.scheme, explanations),
    register(COMMANDS.generatePlugin, () => generatePlugin(server)),
    register(COMMANDS.generateAtCursor, () => generateAtCursor(server)),
    register(COMMANDS.explainSelection, () => explainSelection(server)),
    register(COMMANDS.fixAll, () => fixAll(server)),
    register(COMMANDS.setApiKey, () => setApiKey(server)),
    register(COMMANDS.restartServer, () => server.restart()),
    register(COMMANDS.showServerLog, () => server.output.show(true)),
  ];
}

async function execute(
  server: ServerController,
  client: LanguageClient,
  title: string,
  command: string,
  argument: unknown,
): Promise<unknown> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `SourcePawn Copilot: ${title}`, cancellable: true },
    (_progress, token) =>
      server.busy.run(() => client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [argument] }, token)),
  );
}

function sourcepawnEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "sourcepawn") {
    void vscode.window.showInformationMessage("SourcePawn Copilot: open a SourcePawn file (.sp or .inc) first.");
    return undefined;
  }
  return editor;
}

async function generatePlugin(server: ServerController): Promise<void> {
  const prompt = await vscode.window.showInputBox({
    title: "Generate a SourceMod plugin",
    prompt: "Describe the plugin",
    placeHolder: "Announce the tank's health every 30 seconds to the survivors",
    ignoreFocusOut: true,
  });
  if (!prompt?.trim()) {
    return;
  }
  const client = await server.runningClient();
  if (!client) {
    return;
  }
  server.takeCreatedFiles();
  const result = await execute(server, client, "generating a plugin", SERVER_COMMANDS.generatePlugin, {
    prompt: prompt.trim(),
  });
  const created = server.takeCreatedFiles();
  const generated = generatedPlugin(result);
  if (created.length === 0 && generated?.code !== undefined) {
    // The server could not apply its edit: a new, unsaved document at the path it chose.
    const target = vscode.Uri.parse(generated.uri).with({ scheme: "untitled" });
    const document = await vscode.workspace.openTextDocument(target);
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), generated.code ?? ""));
    return;
  }
  const uris = [...created];
  if (generated && !uris.includes(generated.uri)) {
    uris.push(generated.uri);
  }
  for (const uri of uris) {
    await vscode.window.showTextDocument(vscode.Uri.parse(uri), { preview: false });
  }
}

async function generateAtCursor(server: ServerController): Promise<void> {
  const editor = sourcepawnEditor();
  if (!editor) {
    return;
  }
  const instruction = await vscode.window.showInputBox({
    title: "Generate at cursor",
    prompt: "What to write here (leave empty to let the model continue the code)",
    ignoreFocusOut: true,
  });
  if (instruction === undefined) {
    return;
  }
  const client = await server.runningClient();
  if (!client) {
    return;
  }
  const c2p = client.code2ProtocolConverter;
  await execute(server, client, "generating", SERVER_COMMANDS.generateAtCursor, {
    uri: c2p.asUri(editor.document.uri),
    position: c2p.asPosition(editor.selection.active),
    ...(instruction.trim() ? { instruction: instruction.trim() } : {}),
  });
}

async function explainSelection(server: ServerController): Promise<void> {
  const editor = sourcepawnEditor();
  if (!editor) {
    return;
  }
  const client = await server.runningClient();
  if (!client) {
    return;
  }
  const c2p = client.code2ProtocolConverter;
  const selection = editor.selection.isEmpty
    ? editor.document.lineAt(editor.selection.active.line).range
    : new vscode.Range(editor.selection.start, editor.selection.end);
  const result = await execute(server, client, "explaining", SERVER_COMMANDS.explain, {
    uri: c2p.asUri(editor.document.uri),
    range: c2p.asRange(selection),
  });
  const markdown = explanationText(result);
  if (!markdown) {
    void vscode.window.showInformationMessage("SourcePawn Copilot: no explanation came back.");
    return;
  }
  const name = editor.document.uri.path.split("/").pop() ?? "selection";
  const uri = explanations.add(`${name} ${selection.start.line + 1}-${selection.end.line + 1}.md`, markdown);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(document, "markdown");
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

async function fixAll(server: ServerController): Promise<void> {
  const editor = sourcepawnEditor();
  if (!editor) {
    return;
  }
  const client = await server.runningClient();
  if (!client) {
    return;
  }
  const document = editor.document;
  let edit: vscode.WorkspaceEdit | undefined;
  try {
    const result = await client.sendRequest(ExecuteCommandRequest.type, {
      command: SERVER_COMMANDS.fixAll,
      arguments: [{ uri: client.code2ProtocolConverter.asUri(document.uri) }],
    });
    if (isWorkspaceEdit(result)) {
      edit = await client.protocol2CodeConverter.asWorkspaceEdit(result as unknown as ProtocolWorkspaceEdit);
    } else {
      // The server applied its edit itself (workspace/applyEdit), or says why not.
      const note = appliedNote(result);
      if (note) {
        void vscode.window.showInformationMessage(`SourcePawn Copilot: ${note}`);
      }
      return;
    }
  } catch (error) {
    if (!isNotSupported(error)) {
      throw error;
    }
    // A server without the command: the same fixes as the source.fixAll code action.
    const whole = new vscode.Range(0, 0, document.lineCount, 0);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      "vscode.executeCodeActionProvider",
      document.uri,
      whole,
      FIX_ALL_KIND,
    );
    edit = actions?.find((action) => action.kind?.value === FIX_ALL_KIND && action.edit)?.edit;
  }
  if (!edit || edit.size === 0) {
    void vscode.window.showInformationMessage("SourcePawn Copilot: no safe fixes to apply.");
    return;
  }
  await vscode.workspace.applyEdit(edit);
}

async function setApiKey(server: ServerController): Promise<void> {
  const key = await vscode.window.showInputBox({
    title: "OpenAI API key",
    prompt: "Kept in VS Code's secret storage and handed to the server at start; leave empty to remove it",
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) {
    return;
  }
  await server.setApiKey(key.trim() || undefined);
  void vscode.window.showInformationMessage(
    key.trim() ? "SourcePawn Copilot: API key saved." : "SourcePawn Copilot: API key removed.",
  );
}

function showError(server: ServerController, error: unknown): void {
  const message = String((error as { message?: unknown })?.message ?? error);
  if (/cancel/i.test(message)) {
    return;
  }
  server.output.appendLine(`command failed: ${message}`);
  const settings = "Open settings";
  void vscode.window.showErrorMessage(`SourcePawn Copilot: ${message}`, settings).then((choice) => {
    if (choice === settings) {
      void vscode.commands.executeCommand("workbench.action.openSettings", "spcopilot");
    }
  });
}
