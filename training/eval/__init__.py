"""spcopilot.training.eval: how good is a model at SourceMod / L4D2, judged by the engine.

`spcopilot eval run` — a battery of generation prompts (battery.py), asked through any backend
(also `replay` of recorded outputs), scored raw and/or after the guard:
- **pass**: every required pattern present (any of its accepted alternatives), no forbidden
  pattern, the code parses, and no error-severity finding is left (after the guard; in the raw
  mode, in the code as written). Patterns are matched on the code without comments.
- **wrong-API avoidance**: the share of answers with no finding of the API, event and
  entity-prop rule families (SPC1xx, SPC2xx, SPC3xx, read from the rule catalogue: a function,
  event, event field or property that does not exist, or the wrong accessor or prop type).
- **security score**: 10 × (1 − the share of answers with a security finding, SPC5xx).
- **per category**: the same figures for each battery category.
- **probes** (probes.py): "does X exist?" for real and invented event, function and netprop
  names; accuracy, on real and on invented names, and **over-rejections** (real names answered
  no).
Backend failures count as failed items and are left out of the two shares above.

`spcopilot eval holes` — the hole-filling benchmark (hole_bench.py): holes cut out of held-out
plugins, filled through the editor's inline-completion path, scored on parsing, new error
findings, and the original's calls and events.

`spcopilot eval compare A B` — two reports side by side.

Every run writes DIR/report.json, DIR/report.md and DIR/outputs.jsonl (every model answer in
the replay backend's format) into a staging folder renamed at the end. Scores are reported,
never judged: the commands exit 0 whatever the figures.
"""

# Evaluations decode greedily unless --temperature says otherwise: two runs of one model agree.
EVAL_TEMPERATURE = 0.0
