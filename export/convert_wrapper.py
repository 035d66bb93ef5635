"""Run llama.cpp's `convert_hf_to_gguf.py`, unchanged, with two additions. Started as a subprocess
by `spcopilot.export.converter` (never imported by the pipeline itself):

    python convert_wrapper.py --converter-dir DIR [--pretokenizer NAME] [--special-tokens JSON]
        -- <the converter's own arguments>

1. Unknown BPE pre-tokenizer. The converter identifies a tokenizer's pre-tokenizer by hashing the
   token ids of a probe string and refuses any hash it does not list (every locally trained or
   modified tokenizer). With `--pretokenizer NAME` an unknown hash is converted as NAME (a name
   llama.cpp implements, e.g. `qwen2`); the tokenizer must really split text the way NAME does.
   Without it the wrapper exits with UNKNOWN_PRETOKENIZER_EXIT and the hash on stderr.
2. Special-token ids. Just before the GGUF header is written, every key of `--special-tokens`
   (a JSON object: key name -> candidate token texts) that the converter left unset is added
   from the token list, e.g. `tokenizer.ggml.fim_pre_token_id`.

Only the converter's own modules are patched, in this process; its files are not modified.
"""

from __future__ import annotations

import argparse
import json
import logging
import runpy
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

UNKNOWN_PRETOKENIZER_EXIT = 3
UNKNOWN_PRETOKENIZER_MARKER = "spcopilot-export: unknown BPE pre-tokenizer"
FALLBACK_MARKER = "spcopilot-export: unknown BPE pre-tokenizer converted as"
SCRIPT = "convert_hf_to_gguf.py"

log = logging.getLogger("spcopilot-export")


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    ours, sep, theirs = _split(list(argv))
    parser = argparse.ArgumentParser(prog="convert_wrapper.py")
    parser.add_argument("--converter-dir", type=Path, required=True)
    parser.add_argument("--pretokenizer", default=None)
    parser.add_argument("--special-tokens", default="{}")
    if not sep:
        parser.error("the converter's arguments follow `--`")
    return parser.parse_args(ours), theirs


def _split(argv: list[str]) -> tuple[list[str], bool, list[str]]:
    if "--" not in argv:
        return argv, False, []
    at = argv.index("--")
    return argv[:at], True, argv[at + 1 :]


def patch_pretokenizer(text_model: Any, fallback: str | None) -> None:
    original: Callable[[Any, Any], str] = text_model.get_vocab_base_pre

    def get_vocab_base_pre(self: Any, tokenizer: Any) -> str:
        try:
            return original(self, tokenizer)
        except NotImplementedError as exc:
            if "pre-tokenizer was not recognized" not in str(exc):
                raise
            if fallback is None:
                # (the converter has just logged the hash, "** chkhsh: ...", above this line)
                print(UNKNOWN_PRETOKENIZER_MARKER, file=sys.stderr, flush=True)
                raise SystemExit(UNKNOWN_PRETOKENIZER_EXIT) from None
            log.warning("%s %r, as asked (--pretokenizer)", FALLBACK_MARKER, fallback)
            return fallback

    text_model.get_vocab_base_pre = get_vocab_base_pre


def patch_special_tokens(writer_class: Any, candidates: dict[str, list[str]]) -> None:
    original = writer_class.write_header_to_file

    def write_header_to_file(self: Any, *args: Any, **kwargs: Any) -> Any:
        kv = self.kv_data[0]
        tokens_value = kv.get("tokenizer.ggml.tokens")
        tokens = list(tokens_value.value) if tokens_value is not None else []
        ids: dict[str, int] = {}
        for i, token in enumerate(tokens):
            ids.setdefault(token, i)
        for name, texts in candidates.items():
            key = f"tokenizer.ggml.{name}_token_id"
            if any(key in shard for shard in self.kv_data):
                continue
            for text in texts:
                if text in ids:
                    log.info("setting %s to %d (%s)", key, ids[text], text)
                    self.add_uint32(key, ids[text])
                    break
        return original(self, *args, **kwargs)

    writer_class.write_header_to_file = write_header_to_file


def main(argv: Sequence[str] | None = None) -> None:
    args, converter_args = parse(sys.argv[1:] if argv is None else argv)
    root: Path = args.converter_dir.resolve()
    script = root / SCRIPT
    if not script.is_file():
        raise SystemExit(f"{script} not found")
    logging.basicConfig(level=logging.INFO)
    # run as a script, our own folder is first on sys.path: its module names must not shadow the converter's imports
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if not entry or Path(entry).resolve() != here]
    # as `python convert_hf_to_gguf.py` would have it: its folder first, then its gguf-py
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(root / "gguf-py"))
    import gguf  # the converter's own gguf-py
    from conversion import base

    patch_pretokenizer(base.TextModel, args.pretokenizer)
    patch_special_tokens(gguf.GGUFWriter, json.loads(args.special_tokens))
    sys.argv = [str(script), *converter_args]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
