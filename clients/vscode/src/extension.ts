// Entry point: the server controller (language client, status bar) and the commands.
import type * as vscode from "vscode";
import { registerCommands } from "./commands";
import { ServerController } from "./server";

let server: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  server = new ServerController(context);
  context.subscriptions.push(server, ...registerCommands(server));
  await server.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
