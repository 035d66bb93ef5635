"""Build glue: fetch the pinned tree-sitter-sourcepawn grammar, patch it, compile it with our binding.

The grammar's C sources are not in this repository. At build time `npm pack` fetches the
pinned npm package (its sha512 is checked), only `src/` is kept, in a cache directory outside
the repo (``$SPCOPILOT_CACHE_DIR`` or ``$XDG_CACHE_HOME/spcopilot``), so a rebuild works offline.
Our fixes to the grammar (diagnostics/grammar/patches/*.patch, in name order) are then applied
to a copy of those sources, kept in a folder named after the patches' hash: a cached unpatched
(or differently patched) copy is never what gets compiled. The binding records which patches it
was built with (`_sourcepawn.PATCHES`). Everything else about the package lives in pyproject.toml.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

GRAMMAR_PACKAGE = "tree-sitter-sourcepawn"
GRAMMAR_VERSION = "0.8.0"
GRAMMAR_SHA512 = "J1Mk7AOYNuSTEn0O9LZIo9vJ3onHJSbBYCGwKiJKQr7EQLx6ZuEnAEaiUFKIBNckQ2ZG1QB0/ic4vfwClYIGCQ=="
HERE = Path(__file__).resolve().parent
PATCHES = HERE / "diagnostics" / "grammar" / "patches"


def cache_root() -> Path:
    explicit = os.environ.get("SPCOPILOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "spcopilot"


def plain(member: tarfile.TarInfo) -> bool:
    """A file or folder that stays inside the folder it is extracted to (no link, no `..`)."""
    return (member.isfile() or member.isdir()) and ".." not in Path(member.name).parts


def grammar_src() -> Path:
    """Return the directory holding parser.c/scanner.c, fetching the npm package once."""
    target = cache_root() / "grammar" / f"{GRAMMAR_PACKAGE}-{GRAMMAR_VERSION}" / "src"
    if (target / "parser.c").is_file() and (target / "scanner.c").is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            f"Building spcopilot needs the {GRAMMAR_PACKAGE}@{GRAMMAR_VERSION} grammar sources, "
            f"which are fetched once with npm and cached in {target.parent}. Install Node.js/npm "
            "(e.g. `apt-get install npm`) or put the package's src/ folder there."
        )
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"{GRAMMAR_PACKAGE}@{GRAMMAR_VERSION}", "--silent"],
            cwd=tmp,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tarball = next(Path(tmp).glob("*.tgz"))
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if digest != GRAMMAR_SHA512:
            raise SystemExit(f"{tarball.name}: sha512 mismatch (got {digest}); refusing to build")
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("package/src/")]
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, members=members, filter="data")
            else:  # no extraction filters before Python 3.10.12 / 3.11.4 (Debian 12 has 3.11.2)
                tar.extractall(tmp, members=[m for m in members if plain(m)])
        staging = target.with_name("src.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(Path(tmp) / "package" / "src", staging)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target


def grammar_patches() -> list[Path]:
    return sorted(PATCHES.glob("*.patch"))


def patched_grammar_src() -> tuple[Path, str]:
    """The grammar sources with our patches applied, and the patches' identity (names + hash)."""
    patches = grammar_patches()
    digest = hashlib.sha256(b"".join(p.name.encode() + b"\0" + p.read_bytes() for p in patches)).hexdigest()[:16]
    identity = ",".join(p.stem for p in patches) + (f"@{digest}" if patches else "")
    target = grammar_src().parent / f"patched-{digest}" / "src"
    if (target / "parser.c").is_file() and (target / "scanner.c").is_file():
        print(f"spcopilot: grammar patches {identity or '(none)'} (already applied in {target})")
        return target, identity
    staging = target.with_name("src.partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(grammar_src(), staging)
    for patch in patches:
        apply_patch(patch, staging)
        print(f"spcopilot: applied grammar patch {patch.name} to {GRAMMAR_PACKAGE} {GRAMMAR_VERSION}")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target, identity


def apply_patch(patch: Path, root: Path) -> None:
    """Apply a unified diff whose hunks' old text each occurs exactly once in its file (no
    `patch` program needed at build time); any other case stops the build."""
    lines = patch.read_text().splitlines()
    files: dict[Path, list[tuple[list[str], list[str]]]] = {}
    hunks: list[tuple[list[str], list[str]]] = []
    for i, line in enumerate(lines):
        if line.startswith("+++ "):
            hunks = files.setdefault(root / line[4:].split("\t")[0].removeprefix("b/"), [])
        elif line.startswith("@@"):
            old: list[str] = []
            new: list[str] = []
            for body in lines[i + 1 :]:
                if body.startswith(("@@", "--- ")):
                    break
                tag, text = body[:1] or " ", body[1:]
                if tag in " -":
                    old.append(text)
                if tag in " +":
                    new.append(text)
            hunks.append((old, new))
    if not files:
        raise SystemExit(f"{patch}: no file to patch")
    for path, changes in files.items():
        text = path.read_text()
        for old, new in changes:
            before, after = "\n".join(old) + "\n", "\n".join(new) + "\n"
            if text.count(before) != 1:
                raise SystemExit(f"{patch.name} does not apply to {path.name} ({GRAMMAR_PACKAGE} {GRAMMAR_VERSION})")
            text = text.replace(before, after)
        path.write_text(text)


class BuildGrammar(build_ext):
    """Compile the fetched, patched grammar sources to objects and link them into our binding."""

    def build_extension(self, ext: Extension) -> None:
        if ext.name == "spcopilot.diagnostics._sourcepawn":
            src, identity = patched_grammar_src()
            sources = [str(src / "parser.c"), str(src / "scanner.c")]
            objects = self.compiler.compile(
                sources,
                output_dir=str(Path(self.build_temp) / "grammar"),
                include_dirs=[str(src)],
                extra_postargs=["-std=c11", "-O2", "-w", "-fPIC"],
            )
            ext.extra_objects = [*objects]
            ext.define_macros = [*ext.define_macros, ("SPCOPILOT_GRAMMAR_PATCHES", f'"{identity}"')]
            # Always link: the grammar objects were just compiled (maybe from other patches), and
            # an existing binding newer than binding.c says nothing about which grammar it holds.
            self.force = True
        super().build_extension(ext)


def packages() -> tuple[list[str], dict[str, str]]:
    """The import root `spcopilot` maps onto the top-level folders."""
    mapping = {"spcopilot": "spcopilot"}
    found = ["spcopilot"]
    for folder in ("diagnostics", "server", "training", "export"):
        name = f"spcopilot.{folder}"
        mapping[name] = folder
        found.append(name)
        found += [f"{name}.{sub}" for sub in find_packages(folder)]
    return found, mapping


PACKAGES, PACKAGE_DIR = packages()

setup(
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    ext_modules=[
        Extension(
            "spcopilot.diagnostics._sourcepawn",
            sources=["diagnostics/grammar/binding.c"],
            extra_compile_args=["-std=c11", "-O2", "-w"],
        )
    ],
    cmdclass={"build_ext": BuildGrammar},
)
