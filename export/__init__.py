"""spcopilot.export: base + LoRA adapter -> merged model -> GGUF -> quantized GGUFs -> Ollama
Modelfile, manifest and parity report (`spcopilot export`, `spcopilot.export.pipeline.run_export`)."""

DEFAULT_QUANTS = ("q4_k_m", "q8_0")
DEFAULT_MAX_LOGIT_DIFF = 1e-2
