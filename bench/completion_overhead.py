"""Inline-completion overhead over the raw model call, cache hits, and tokens after a cancel.

    python bench/completion_overhead.py [--runs 30] [--tokens 96] [--threads 1] [--gguf PATH]

With the same model and the same prompt in one run (greedy decoding, so both produce the same
tokens):
- raw: `Llama.create_completion(prompt, …)` on the prompt our builder makes, nothing else;
- ours: the whole inline path (`InlineCompleter.suggest` with the cache cleared): the window,
  context and prompt, the backend (llama.cpp's own token generator driven by our loop, which
  checks the cancel and the stops per token and does less per token than `create_completion`,
  so the path can come out faster than the raw call), post-filters and the snippet guard;
- cache hit: `suggest` for a cursor that has a cached suggestion being typed through;
- cancel: a generation cancelled from the token callback; tokens still delivered afterwards.
The model is the tiny test model (tests/tiny_model.py, built and cached on first use) unless
--gguf names another. Targets (issue 4): overhead ≤ 5 % and ≤ 3 ms, cache hit ≤ 1 ms, ≤ 1 token
after a cancel. Prints a markdown table; nothing asserts on it.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# One of the tiny model's training plugins with a statement cut out: the model has seen it, so
# its greedy answer is a multi-line suggestion of ~64 tokens that survives the filters and goes
# through the guard (an answer of a few tokens, or one filtered away, would measure nothing).
DOCUMENT = ROOT / "tests" / "fixtures" / "tiny_corpus" / "ammo_refill.sp"
CUT = '\tSetCommandFlags("give", flags & ~FCVAR_CHEAT);'


def default_inline_tokens() -> int:
    """The length users get: the `inline-max-tokens` setting's default."""
    from spcopilot.server.ai.config import AISettings

    return AISettings().inline_max_tokens


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--tokens", type=int, default=default_inline_tokens())
    parser.add_argument("--gguf", type=Path)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    from spcopilot.diagnostics.parsing import parse
    from spcopilot.server.ai.backends.base import Cancelled, CancelToken, GenerationOptions
    from spcopilot.server.ai.config import AISettings
    from spcopilot.server.ai.inline.completer import InlineCompleter, InlineRequest
    from spcopilot.server.ai.inline.mode import is_multi_line
    from spcopilot.server.ai.inline.prompt import build_inline_prompt
    from spcopilot.server.ai.prompts.context import build_context
    from spcopilot.server.ai.service import Copilot

    gguf = args.gguf
    if gguf is None:
        from tests.tiny_model import build_tiny_model

        gguf = build_tiny_model().gguf_f16
    settings = AISettings(backend="llamacpp", gguf=gguf, threads=args.threads, temperature=0.0,
                          inline_max_tokens=args.tokens, inline_time_cap_ms=0)  # fmt: skip
    copilot = Copilot(settings)
    backend = copilot.backend
    llm = backend._llm  # type: ignore[attr-defined]
    completer = InlineCompleter(copilot)

    text = DOCUMENT.read_text(encoding="utf-8")
    start = text.index(CUT)
    end = text.index("\n", start)
    text = text[:start] + "\t" + text[end:]  # the statement cut out
    offset = start + 1  # the cursor where it was, after the indentation: a multi-line suggestion
    source = text.encode()
    tree = parse(source)
    request = InlineRequest(text, offset, str(DOCUMENT), tree)
    multi = is_multi_line(tree, source, len(text[:offset].encode()))
    context = build_context(text, text[:offset].count("\n"), "l4d2", [])
    prompt = build_inline_prompt(backend, text, offset, str(DOCUMENT), context, multi)

    def raw() -> str:
        out = llm.create_completion(prompt.prompt, max_tokens=args.tokens, temperature=0.0, stop=list(prompt.stops),
                                    repeat_penalty=settings.repeat_penalty)  # (the same sampling as ours)  # fmt: skip
        return out["choices"][0]["text"]

    def ours() -> object:
        completer.cache.clear()
        return completer.suggest(request)

    raw_text, _ours_result = raw(), ours()  # warm both paths (and llama.cpp's KV cache for this prompt)
    raw_times, our_times = [], []
    for _ in range(args.runs):  # interleaved, so load changes hit both alike
        started = time.perf_counter()
        raw()
        raw_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        ours()
        our_times.append(time.perf_counter() - started)
    tokens = len(llm.tokenize(raw_text.encode(), add_bos=False)) if raw_text else 0
    options = GenerationOptions(max_tokens=args.tokens, temperature=0.0, stop=prompt.stops)
    same = backend.complete(prompt.prompt, options).text == raw_text  # our generation loop, the same answer

    # cache hit: a suggestion the user is typing through
    completer.cache.clear()
    completer.cache.put(text[:offset], text[offset:], 'PrintToServer("cached suggestion");')
    typed = text[:offset] + "Print" + text[offset:]
    typed_request = InlineRequest(typed, offset + 5, str(DOCUMENT), parse(typed.encode()))
    hits = []
    for _ in range(args.runs * 10):
        started = time.perf_counter()
        hit = completer.suggest(typed_request)
        hits.append(time.perf_counter() - started)
        assert hit is not None and hit.cached

    # tokens delivered after a cancel
    after_cancel = []
    for _ in range(args.runs):
        cancel = CancelToken()
        seen: list[str] = []
        late: list[str] = []

        def on_token(piece: str, cancel: CancelToken = cancel, seen: list[str] = seen, late: list[str] = late) -> None:
            if cancel.cancelled:
                late.append(piece)
            seen.append(piece)
            if len(seen) == 3:
                cancel.cancel()

        with contextlib.suppress(Cancelled):
            options = GenerationOptions(max_tokens=200, temperature=0.8)
            backend.complete("public void OnPluginStart()\n{\n", options, cancel, on_token)
        after_cancel.append(len(late))

    raw_ms, our_ms = median_ms(raw_times), median_ms(our_times)
    overhead = our_ms - raw_ms
    print(f"model: {Path(gguf).name} ({backend.info()['fim']}), {args.threads} threads, prompt "
          f"{backend.count_tokens(prompt.prompt)} tokens, answer {tokens} tokens "
          f"({'the same' if same else 'NOT the same'} from our generation loop), {args.runs} runs\n")  # fmt: skip
    print("| Measure | Figure | Target |")
    print("|---|---|---|")
    print(f"| raw llama.cpp call (median) | {raw_ms:.2f} ms | floor |")
    print(f"| our inline path (median) | {our_ms:.2f} ms | |")
    print(f"| overhead | {overhead:.2f} ms ({overhead / raw_ms * 100:.1f} %) | ≤ 3 ms and ≤ 5 % |")
    print(f"| cache hit (median / max) | {median_ms(hits):.3f} / {max(hits) * 1000:.3f} ms | ≤ 1 ms |")
    print(f"| tokens after a cancel (max of {args.runs}) | {max(after_cancel)} | ≤ 1 |")
    copilot.close()


if __name__ == "__main__":
    main()
