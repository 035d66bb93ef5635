"""spcopilot.training: corpus → filter → ChatML/FIM/DPO data (sanitised by the engine) → SFT/DPO
trainers and OpenAI fine-tunes.

Reuses the engine (`spcopilot.diagnostics`: game detection, rules, fixes) and the runtime
(`spcopilot.server.ai`: the guard, the prompt templates); it never re-implements a rule. Heavy
libraries (datasets, torch, transformers, peft, trl) are imported only by the commands that need
them: `pip install "sourcepawn-copilot[train]"`.
"""
