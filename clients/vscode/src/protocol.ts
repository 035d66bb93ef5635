// The server's custom protocol (commands, methods) and the shapes the extension reads out of its
// answers. No `vscode` import.

/** workspace/executeCommand commands of the server. */
export const SERVER_COMMANDS = {
  generatePlugin: "spcopilot.generatePlugin",
  generateAtCursor: "spcopilot.generateAtCursor",
  explain: "spcopilot.explain",
  fixWithModel: "spcopilot.fixWithModel",
  fixAll: "spcopilot.fixAll",
  inlineAccepted: "spcopilot.inlineAccepted",
} as const;

/** The code action kind of "apply every safe fix". */
export const FIX_ALL_KIND = "source.fixAll.spcopilot";

/** Notification: a suggestion was accepted (in part) or dismissed. */
export const INLINE_FEEDBACK = "spcopilot/inlineCompletionFeedback";

export interface InlineFeedback {
  id: string;
  kind: "accept" | "partial" | "dismiss";
  acceptedLength?: number;
}

/** The `{id, kind}` argument of an item's `spcopilot.inlineAccepted` command, if it is one. */
export function acceptedFeedback(args: readonly unknown[]): InlineFeedback | undefined {
  const first = args[0];
  if (typeof first !== "object" || first === null) {
    return undefined;
  }
  const { id, kind } = first as { id?: unknown; kind?: unknown };
  if (typeof id !== "string" && typeof id !== "number") {
    return undefined;
  }
  return { id: String(id), kind: kind === "partial" || kind === "dismiss" ? kind : "accept" };
}

interface ProtocolWorkspaceEdit {
  changes?: Record<string, unknown>;
  documentChanges?: ReadonlyArray<{ kind?: string; uri?: string; textDocument?: { uri: string } }>;
}

/** Whether a command's result is an LSP WorkspaceEdit (to apply) rather than something else. */
export function isWorkspaceEdit(value: unknown): value is ProtocolWorkspaceEdit {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  const edit = value as ProtocolWorkspaceEdit;
  return (typeof edit.changes === "object" && edit.changes !== null) || Array.isArray(edit.documentChanges);
}

/** The files a WorkspaceEdit creates (to open them once it is applied). */
export function createdFiles(edit: unknown): string[] {
  if (!isWorkspaceEdit(edit) || !edit.documentChanges) {
    return [];
  }
  return edit.documentChanges
    .filter((change) => change.kind === "create" && typeof change.uri === "string")
    .map((change) => change.uri as string);
}

/** A uri out of a command's result: `"file:///…"` or `{uri: "file:///…"}`. */
export function resultUri(result: unknown): string | undefined {
  if (typeof result === "string" && /^[a-z][a-z0-9+.-]*:/i.test(result)) {
    return result;
  }
  if (typeof result === "object" && result !== null && typeof (result as { uri?: unknown }).uri === "string") {
    return (result as { uri: string }).uri;
  }
  return undefined;
}

/** Generate plugin's answer: where the plugin goes and, when the server could not apply its
 * edit itself, the code. */
export function generatedPlugin(result: unknown): { uri: string; code?: string } | undefined {
  const uri = resultUri(result);
  if (!uri) {
    return undefined;
  }
  const { applied, text } = (typeof result === "object" && result !== null ? result : {}) as {
    applied?: unknown;
    text?: unknown;
  };
  return applied === false && typeof text === "string" ? { uri, code: text } : { uri };
}

/** What to tell the user about a command the server answered without applying anything
 * (`{applied: false, title: "nothing to fix"}`). */
export function appliedNote(result: unknown): string | undefined {
  if (typeof result !== "object" || result === null) {
    return undefined;
  }
  const { applied, title } = result as { applied?: unknown; title?: unknown };
  return applied === false && typeof title === "string" ? title : undefined;
}

/** The markdown out of `spcopilot.explain`'s result: a string or `{markdown}` / MarkupContent. */
export function explanationText(result: unknown): string | undefined {
  if (typeof result === "string") {
    return result;
  }
  if (typeof result === "object" && result !== null) {
    const { markdown, value } = result as { markdown?: unknown; value?: unknown };
    if (typeof markdown === "string") {
      return markdown;
    }
    if (typeof value === "string") {
      return value;
    }
  }
  return undefined;
}

/** JSON-RPC errors that mean "this server does not have that yet". */
export function isNotSupported(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = String((error as { message?: unknown } | undefined)?.message ?? "");
  return code === -32601 || /method not found|unknown command|not (?:found|supported|registered)/i.test(message);
}
