// The status bar item's text: which backend and model, and whether the model is working.
// No `vscode` import.
import * as path from "node:path";

export type ServerState = "starting" | "running" | "stopped" | "missing";

export interface StatusInput {
  state: ServerState;
  backend: string; // "" when not set: the server's default ("none")
  model: string;
  gguf: string;
  busy: boolean;
}

export interface StatusText {
  text: string;
  tooltip: string;
}

/** "openai gpt-4o-mini", "llamacpp model.gguf", "replay", "no AI". */
export function backendLabel(input: Pick<StatusInput, "backend" | "model" | "gguf">): string {
  switch (input.backend) {
    case "":
    case "none":
      return "no AI";
    case "openai":
      return input.model ? `openai ${input.model}` : "openai";
    case "llamacpp":
      return input.gguf ? `llamacpp ${path.basename(input.gguf)}` : "llamacpp (no GGUF set)";
    default:
      return input.backend;
  }
}

export function statusText(input: StatusInput): StatusText {
  const label = backendLabel(input);
  switch (input.state) {
    case "missing":
      return {
        text: "$(warning) spcopilot",
        tooltip: "SourcePawn Copilot: the language server is not installed. Click to see the log.",
      };
    case "stopped":
      return { text: "$(error) spcopilot", tooltip: "SourcePawn Copilot: the server stopped. Click to see the log." };
    case "starting":
      return { text: "$(sync~spin) spcopilot", tooltip: `SourcePawn Copilot: starting (${label})` };
    case "running":
      if (input.busy) {
        return { text: `$(loading~spin) spcopilot: ${label}`, tooltip: `SourcePawn Copilot: generating (${label})` };
      }
      return {
        text: label === "no AI" ? "$(check) spcopilot" : `$(sparkle) spcopilot: ${label}`,
        tooltip: `SourcePawn Copilot: ${label}. Click to see the server log.`,
      };
  }
}

/**
 * Counts requests to the model in flight. `onChange(true)` fires only when one has been running
 * for `delayMs` (a quick answer does not make the status bar flicker); `onChange(false)` when the
 * last one ends.
 */
export class BusyCounter {
  private count = 0;
  private shown = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly onChange: (busy: boolean) => void,
    private readonly delayMs = 250,
  ) {}

  get busy(): boolean {
    return this.shown;
  }

  async run<T>(work: () => T | PromiseLike<T>): Promise<T> {
    this.begin();
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  private begin(): void {
    this.count += 1;
    if (this.count === 1 && !this.shown) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.count > 0) {
          this.shown = true;
          this.onChange(true);
        }
      }, this.delayMs);
    }
  }

  private end(): void {
    this.count -= 1;
    if (this.count > 0) {
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.shown) {
      this.shown = false;
      this.onChange(false);
    }
  }
}
