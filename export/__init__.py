"""spcopilot.export: base + LoRA adapter -> merged model -> GGUF -> quantized GGUFs -> Ollama
Modelfile, manifest and parity report (`spcopilot export`, `spcopilot.export.pipeline.run_export`)."""

DEFAULT_QUANTS = ("q4_k_m", "q8_0")
# The f16 parity gate: the largest |logit difference| at the prompts' last positions may be at most
# RELATIVE_MAX_LOGIT_DIFF of the largest |logit| there (f16 rounds weights and llama.cpp's matrix products
# round activations to about 3 significant digits, so the difference grows with the logits' scale), and
# never less than DEFAULT_MAX_LOGIT_DIFF. `--max-logit-diff X` replaces it with a fixed X.
DEFAULT_MAX_LOGIT_DIFF = 1e-2
RELATIVE_MAX_LOGIT_DIFF = 2e-3
