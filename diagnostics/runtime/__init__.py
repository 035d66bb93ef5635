"""SourceMod's runtime errors (addons/sourcemod/logs/errors_YYYYMMDD.log) on the source line.

- `logs`: read log files as a stream of lines (bounded memory, any size, any bytes);
- `records`: the lines as errors: exceptions with their call stacks (SourceMod 1.10+'s
  `Exception reported` / `Blaming` / `Call stack trace` and the older `Native "X" reported` /
  `Displaying call stack trace` forms) and plugins that failed to load;
- `summary`: the same error counted once, with its first and last time seen;
- `tail`: log folders followed as they grow, rotate and are replaced;
- `placement`: an error as a diagnostic on the blamed line of the workspace's source, saying
  when the source has moved on since, explained by the rule that knows its cause (`explain`).
`check_logs` is the entry point `spcopilot logs` and the language server share.
"""
