"""Where the converter comes from: the installed llama-cpp-python's sdist, unpacked once."""

from __future__ import annotations

import io
import subprocess
import tarfile

from spcopilot.export import converter as converter_module


def make_sdist(path, version, extra=()):
    files = {
        f"llama_cpp_python-{version}/vendor/llama.cpp/convert_hf_to_gguf.py": "print('converter')\n",
        f"llama_cpp_python-{version}/vendor/llama.cpp/conversion/__init__.py": "",
        f"llama_cpp_python-{version}/vendor/llama.cpp/conversion/base.py": 'res = "qwen2"\nres = "llama-bpe"\n',
        f"llama_cpp_python-{version}/vendor/llama.cpp/gguf-py/gguf/__init__.py": "",
        f"llama_cpp_python-{version}/vendor/llama.cpp/LICENSE": "MIT\n",
        f"llama_cpp_python-{version}/vendor/llama.cpp/src/llama.cpp": "// not needed\n",
        f"llama_cpp_python-{version}/llama_cpp/llama.py": "# not needed\n",
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)


def test_sdist_in_the_cache_is_unpacked_once_with_only_the_converter(tmp_path, monkeypatch):
    folder = tmp_path / "llama-cpp-sdist"
    folder.mkdir()
    make_sdist(folder / "llama_cpp_python-1.2.3.tar.gz", "1.2.3")

    def no_download(*args, **kwargs):
        raise AssertionError("the sdist is cached: nothing to download")

    monkeypatch.setattr(converter_module, "download_sdist", no_download)
    root = converter_module.sdist_converter("1.2.3", cache_root=tmp_path)
    assert root == folder / "1.2.3" / "llama.cpp"
    unpacked = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert unpacked == [
        ".complete",
        "LICENSE",
        "conversion/__init__.py",
        "conversion/base.py",
        "convert_hf_to_gguf.py",
        "gguf-py/gguf/__init__.py",
    ]
    (root / "conversion" / "base.py").write_text('res = "qwen2"\n')  # a second call must not unpack again
    assert converter_module.sdist_converter("1.2.3", cache_root=tmp_path) == root
    assert (root / "conversion" / "base.py").read_text() == 'res = "qwen2"\n'
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["1.2.3"]  # no staging left


def test_unpacked_without_extraction_filters_nothing_outside(tmp_path, monkeypatch):
    """A Python without tarfile's filters (Debian 12's 3.11.2) still unpacks the converter, and
    leaves out links and members that would land outside the folder."""
    monkeypatch.delattr(tarfile, "data_filter", raising=False)  # (absent already before 3.11.4)
    link = tarfile.TarInfo("llama_cpp_python-1.2.3/vendor/llama.cpp/conversion/link.py")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    escape = tarfile.TarInfo("llama_cpp_python-1.2.3/vendor/llama.cpp/conversion/../../../escaped.py")
    folder = tmp_path / "cache" / "llama-cpp-sdist"
    folder.mkdir(parents=True)
    make_sdist(folder / "llama_cpp_python-1.2.3.tar.gz", "1.2.3", extra=(link, escape))
    root = converter_module.sdist_converter("1.2.3", cache_root=tmp_path / "cache")
    assert (root / "convert_hf_to_gguf.py").read_text() == "print('converter')\n"
    assert not (root / "conversion" / "link.py").exists() and not (root / "conversion" / "link.py").is_symlink()
    assert not any(p.name == "escaped.py" for p in tmp_path.rglob("*"))


def test_the_sdist_download_builds_nothing_else_from_source(tmp_path, monkeypatch):
    """Only llama-cpp-python's sdist: `--no-binary :all:` made pip build its build requirements
    (scikit-build-core, cmake) from source to read its metadata, most of an hour on a fresh machine."""
    seen = []

    def run(command, **kwargs):
        seen.append(command)
        (tmp_path / "llama_cpp_python-1.2.3.tar.gz").write_bytes(b"")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(converter_module.subprocess, "run", run)
    converter_module.download_sdist("1.2.3", tmp_path)
    [command] = seen
    assert command[command.index("--no-binary") + 1] == "llama-cpp-python" and ":all:" not in command


def test_pretokenizer_names_are_read_from_the_converter(tmp_path, monkeypatch):
    folder = tmp_path / "llama-cpp-sdist"
    folder.mkdir()
    make_sdist(folder / "llama_cpp_python-1.2.3.tar.gz", "1.2.3")
    converter = converter_module.Converter(converter_module.sdist_converter("1.2.3", cache_root=tmp_path), "test")
    assert converter.pretokenizers == {"qwen2", "llama-bpe", "default"}


def test_installed_version_decides_which_sdist(tmp_path, monkeypatch):
    folder = tmp_path / "llama-cpp-sdist"
    folder.mkdir()
    make_sdist(folder / "llama_cpp_python-4.5.6.tar.gz", "4.5.6")
    monkeypatch.setattr(converter_module.metadata, "version", lambda name: "4.5.6")
    found = converter_module.find_converter(cache_root=tmp_path)
    assert found.origin == "llama-cpp-python 4.5.6 sdist"
    assert found.script == folder / "4.5.6" / "llama.cpp" / "convert_hf_to_gguf.py"
