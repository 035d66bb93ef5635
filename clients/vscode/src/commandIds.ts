// VS Code command ids of the extension. They differ from the server's own command names
// (protocol.ts), which the language client registers under those names when the server lists them.
export const COMMANDS = {
  generatePlugin: "spcopilot.generatePluginPrompt",
  generateAtCursor: "spcopilot.generateAtCursorPrompt",
  explainSelection: "spcopilot.explainSelection",
  fixAll: "spcopilot.fixAllAntiPatterns",
  setApiKey: "spcopilot.setApiKey",
  restartServer: "spcopilot.restartServer",
  showServerLog: "spcopilot.showServerLog",
} as const;
