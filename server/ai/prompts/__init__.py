"""One prompt registry for serving and training: the fine-tune sees exactly the serving format.

- `system`: the system prompt, built from the knowledge base (never a hand-copied string).
- `fim`: fill-in-the-middle templates per model family, chosen from the model's own FIM tokens;
  the hole-filler chat prompt for chat-only models.
- `window`: prefix/suffix windows cut to a token budget at line boundaries, prefix start kept
  stable while the user types so llama.cpp reuses its KV cache.
- `stops`: SourcePawn stop sequences.
- `tasks`: the chat prompts of the generation commands (plugin, at cursor, fix, explain, repair).
"""
