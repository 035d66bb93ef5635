"""llama.cpp's own Hugging Face -> GGUF converter: where it comes from and how it is run.

The converter (`convert_hf_to_gguf.py`, its `conversion/` package and `gguf-py/`) ships inside
the `llama-cpp-python` source distribution. We use the one of the same version as the installed
`llama_cpp` (so the GGUF it writes is one that llama.cpp loads), fetched once by name with
`pip download` and unpacked into the cache; or a llama.cpp checkout the user names. It is never
copied into this repository, and it runs unchanged, as a subprocess, through `convert_wrapper.py`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path

from spcopilot.diagnostics.include_cache import default_cache_root
from spcopilot.export import convert_wrapper
from spcopilot.export.errors import ExportError
from spcopilot.export.special_tokens import TOKEN_TEXTS

DISTRIBUTION = "llama-cpp-python"
SCRIPT = convert_wrapper.SCRIPT
# What we unpack from the sdist: the script, the package it imports, its gguf-py, the licence.
SDIST_PARTS = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/", "LICENSE")
OUTTYPES = ("f16", "bf16", "f32")
# Pre-tokenizer names llama.cpp implements without being listed as a converter hash result.
EXTRA_PRETOKENIZERS = frozenset({"default"})


@dataclass(frozen=True)
class Converter:
    root: Path  # the folder holding convert_hf_to_gguf.py, conversion/ and gguf-py/
    origin: str  # e.g. "llama-cpp-python 0.3.36 sdist" or "checkout /src/llama.cpp"

    @property
    def script(self) -> Path:
        return self.root / SCRIPT

    @cached_property
    def pretokenizers(self) -> frozenset[str]:
        """The pre-tokenizer names this converter can write (those its hash table maps to)."""
        names: set[str] = set(EXTRA_PRETOKENIZERS)
        for source in (self.root / "conversion").glob("*.py"):
            names.update(re.findall(r'\bres = "([^"]+)"', source.read_text("utf-8", "replace")))
        names.update(re.findall(r'\bres = "([^"]+)"', self.script.read_text("utf-8", "replace")))
        return frozenset(names)


def llama_cpp_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ExportError(
            "llama-cpp-python is not installed: export converts, quantizes and verifies with llama.cpp. "
            "Install it with `pip install 'sourcepawn-copilot[local]'` (or pass --llama-cpp-dir for the converter)."
        ) from None


def find_converter(llama_cpp_dir: Path | None = None, cache_root: Path | None = None) -> Converter:
    """The converter of a llama.cpp checkout, or of the installed llama-cpp-python's sdist."""
    if llama_cpp_dir is not None:
        root = llama_cpp_dir.expanduser()
        for candidate in (root, root / "vendor" / "llama.cpp"):
            if (candidate / SCRIPT).is_file() and (candidate / "gguf-py").is_dir():
                return Converter(candidate.resolve(), f"checkout {candidate}")
        raise ExportError(
            f"--llama-cpp-dir {root}: no {SCRIPT} with its gguf-py/ there; "
            "point it at a llama.cpp checkout (or an unpacked llama-cpp-python sdist)."
        )
    version = llama_cpp_version()
    return Converter(sdist_converter(version, cache_root), f"{DISTRIBUTION} {version} sdist")


def sdist_converter(version: str, cache_root: Path | None = None) -> Path:
    """Unpack (once) the converter of llama-cpp-python==version from its sdist, fetched by name."""
    folder = (cache_root or default_cache_root()) / "llama-cpp-sdist"
    target = folder / version / "llama.cpp"
    if (target / SCRIPT).is_file() and (target / ".complete").is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock

    with FileLock(str(folder / f"{version}.lock")):
        if (target / ".complete").is_file():
            return target
        tarball = folder / f"llama_cpp_python-{version}.tar.gz"
        if not tarball.is_file():
            download_sdist(version, folder)
        unpack_converter(tarball, target)
    return target


def download_sdist(version: str, folder: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        # The source distribution of this package only: with `:all:` pip would also build the
        # sdist's build requirements (scikit-build-core, cmake, ...) from source just to read its
        # metadata, which takes most of an hour on a fresh 2-core machine.
        "--no-binary",
        DISTRIBUTION,
        "--disable-pip-version-check",
        "--dest",
        str(folder),
        f"{DISTRIBUTION}=={version}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (folder / f"llama_cpp_python-{version}.tar.gz").is_file():
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise ExportError(
            f"could not fetch the {DISTRIBUTION}=={version} source distribution (it holds llama.cpp's converter) "
            f"with `{' '.join(command[2:])}`:\n{tail}\n"
            f"Put llama_cpp_python-{version}.tar.gz in {folder}, or pass --llama-cpp-dir DIR (a llama.cpp checkout)."
        )


def extract(tar: tarfile.TarFile, members: list[tarfile.TarInfo], folder: Path) -> None:
    """Unpack `members` with tarfile's "data" filter; on a Python without extraction filters
    (before 3.10.12 / 3.11.4: Debian 12's python3 is 3.11.2) plain files and folders only, and
    none that would land outside `folder`."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(folder, members=members, filter="data")
        return
    inside = [m for m in members if (m.isfile() or m.isdir()) and not Path(m.name).is_absolute()]
    tar.extractall(folder, members=[m for m in inside if ".." not in Path(m.name).parts])


def unpack_converter(tarball: Path, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent.parent))
    try:
        with tarfile.open(tarball) as tar:
            members = []
            for member in tar.getmembers():
                _, _, inner = member.name.partition("/vendor/llama.cpp/")
                if inner and any(inner == part or inner.startswith(part) for part in SDIST_PARTS):
                    member.name = inner
                    members.append(member)
            if not any(m.name == SCRIPT for m in members):
                raise ExportError(f"{tarball} has no vendor/llama.cpp/{SCRIPT}: not a llama-cpp-python sdist?")
            extract(tar, members, staging)
        (staging / ".complete").write_text(tarball.name + "\n")
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def convert(
    hf_dir: Path,
    out_file: Path,
    converter: Converter,
    outtype: str = "f16",
    pretokenizer: str | None = None,
    log_file: Path | None = None,
) -> None:
    """Write `out_file` (GGUF) from the Hugging Face model folder `hf_dir`."""
    if outtype not in OUTTYPES:
        raise ExportError(f"unknown GGUF type {outtype!r}: one of {', '.join(OUTTYPES)}")
    if pretokenizer is not None and pretokenizer not in converter.pretokenizers:
        raise ExportError(
            f"--pretokenizer {pretokenizer!r} is not a pre-tokenizer llama.cpp knows ({converter.origin}); "
            f"some it knows: {', '.join(sorted(converter.pretokenizers)[:40])}, ..."
        )
    special = {name: list(texts) for name, texts in TOKEN_TEXTS.items()}
    command = [
        sys.executable,
        convert_wrapper.__file__,
        "--converter-dir",
        str(converter.root),
        "--special-tokens",
        json.dumps(special),
    ]
    if pretokenizer is not None:
        command += ["--pretokenizer", pretokenizer]
    command += ["--", str(hf_dir), "--outfile", str(out_file), "--outtype", outtype]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NO_LOCAL_GGUF", None)  # the converter must use its own gguf-py, not PyPI's older gguf
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    output = result.stdout + result.stderr
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(f"$ {' '.join(command)}\n{output}", "utf-8")
    if (
        result.returncode == convert_wrapper.UNKNOWN_PRETOKENIZER_EXIT
        and convert_wrapper.UNKNOWN_PRETOKENIZER_MARKER in output
    ):
        found = re.search(r"chkhsh:\s+([0-9a-f]{64})", output)
        raise ExportError(
            f"llama.cpp's converter does not recognise the BPE pre-tokenizer of {hf_dir} "
            f"(hash {found.group(1) if found else '?'}): a tokenizer trained or modified locally. "
            "If it splits text like a known one (for Qwen2/Qwen2.5-based models: the Qwen2 split regex, ByteLevel, NFC), "
            "name it with --pretokenizer (e.g. --pretokenizer qwen2); the export then checks that llama.cpp "
            "tokenizes like the Hugging Face tokenizer."
        )
    if result.returncode != 0 or not out_file.is_file():
        raise ExportError(
            f"llama.cpp's converter ({converter.origin}) failed on {hf_dir} (exit {result.returncode}):\n"
            + _tail(output)
            + (f"\nFull log: {log_file}" if log_file else "")
        )


def _tail(output: str, lines: int = 12) -> str:
    return "\n".join(output.strip().splitlines()[-lines:])
