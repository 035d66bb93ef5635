"""Reading files out of a Valve VPK package (versions 1 and 2), as the game ships its resources:
PyPI's `srctools` reads the package (`srctools.vpk.VPK`); this adapter gives the engine its
one error type and checks each file's CRC32 (srctools reads the bytes without checking them).

`pak01_dir.vpk` holds the directory tree and, optionally, file data; the other data lives in
`pak01_000.vpk`, `pak01_001.vpk`, ... A missing or damaged package or archive is an InputError
that names the file.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from spcopilot.diagnostics.errors import InputError
from srctools.vpk import VPK, FileInfo

IN_DIR_FILE = 0x7FFF  # the archive index of data stored in the _dir file itself
SIGNATURE = 0x55AA1234
VERSIONS = (1, 2)


class VpkArchive:
    """The files of one `<name>_dir.vpk` package."""

    def __init__(self, dir_path: Path) -> None:
        self.path = Path(dir_path)
        self._check_header()
        try:
            self._vpk = VPK(self.path, mode="r")
        except OSError as error:
            raise InputError(f"{self.path}: cannot read the VPK ({error.strerror or error})") from error
        except struct.error as error:
            raise self._corrupt(f"the directory tree is cut short ({error})") from error
        except (ValueError, UnicodeDecodeError, IndexError, KeyError) as error:
            raise self._corrupt(str(error) or type(error).__name__) from error
        self._files: dict[str, FileInfo] = {_key(info.filename): info for info in self._vpk}

    def names(self) -> list[str]:
        return sorted(self._files)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _key(name) in self._files

    def read(self, name: str) -> bytes | None:
        """A file's bytes (None if the package has no such file)."""
        info = self._files.get(_key(name))
        if info is None:
            return None
        try:
            content = info.read()
        except OSError as error:
            archive = self.path.with_name(self.path.name.removesuffix("_dir.vpk") + f"_{info.arch_index:03d}.vpk")
            raise InputError(f"{archive}: cannot read the VPK archive ({error.strerror or error})") from error
        if len(content) != len(info.start_data) + info.arch_len:
            raise self._corrupt(f"{name}: data ends early")
        if zlib.crc32(content) != info.crc:
            raise self._corrupt(f"{name}: CRC mismatch")
        return content

    def _check_header(self) -> None:
        """The signature and version, said plainly (srctools' own messages for these name the
        version it expected, not the one it found)."""
        try:
            with self.path.open("rb") as f:
                head = f.read(12)
        except OSError as error:
            raise InputError(f"{self.path}: cannot read the VPK ({error.strerror or error})") from error
        if len(head) < 12:
            raise self._corrupt("too short for a header")
        signature, version = struct.unpack_from("<II", head)
        if signature != SIGNATURE:
            raise self._corrupt("wrong signature")
        if version not in VERSIONS:
            raise self._corrupt(f"unsupported version {version}")

    def _corrupt(self, why: str) -> InputError:
        return InputError(f"{self.path} is not a valid VPK package: {why}")


def _key(name: str) -> str:
    return name.replace("\\", "/").lower().lstrip("/")
