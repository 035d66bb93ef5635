// The server's settings as the extension sends them: only what the user set explicitly, under
// the server's own (kebab-case) names. Which settings exist comes from the extension's manifest
// (package.json, generated from the server's list by scripts/sync_settings.py).
// No `vscode` import: unit-tested under plain Node.

/** The server setting that carries the OpenAI key (never written to settings.json). */
export const API_KEY = "api-key";

/** The extension's own settings (how to start the server), never sent to it. */
export const CLIENT_PREFIX = "server.";

/** What `WorkspaceConfiguration.inspect` returns (the fields used here). */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
  globalLanguageValue?: unknown;
  workspaceLanguageValue?: unknown;
  workspaceFolderLanguageValue?: unknown;
}

/** `spcopilot.*` keys of the manifest's configuration that are the server's (`includeDirs`, …). */
export function serverSettingKeys(properties: Record<string, unknown>): string[] {
  return Object.keys(properties)
    .filter((name) => name.startsWith("spcopilot."))
    .map((name) => name.slice("spcopilot.".length))
    .filter((key) => !key.startsWith(CLIENT_PREFIX));
}

/** `includeDirs` → `include-dirs` (the server accepts both; this is its documented spelling). */
export function serverName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** The most specific value the user set, or undefined when only the default applies. */
export function explicitValue(inspected: Inspected | undefined): unknown {
  if (!inspected) {
    return undefined;
  }
  const order = [
    inspected.workspaceFolderLanguageValue,
    inspected.workspaceFolderValue,
    inspected.workspaceLanguageValue,
    inspected.workspaceValue,
    inspected.globalLanguageValue,
    inspected.globalValue,
  ];
  return order.find((value) => value !== undefined);
}

/**
 * The settings object for the server: the explicitly set values of `keys` under the server's
 * names. Unset values are left out, so that `.spcopilot.toml` in the workspace still applies
 * (an empty `includeDirs` default would otherwise override the file's include folders); empty
 * strings and nulls mean "not set" too.
 */
export function serverSettings(
  keys: readonly string[],
  inspect: (key: string) => Inspected | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = explicitValue(inspect(key));
    if (value !== undefined && value !== null && value !== "") {
      out[serverName(key)] = value;
    }
  }
  return out;
}

/** The settings with the API key added (for initializationOptions and didChangeConfiguration only). */
export function withApiKey(settings: Record<string, unknown>, apiKey: string | undefined): Record<string, unknown> {
  return apiKey ? { ...settings, [API_KEY]: apiKey } : { ...settings };
}
