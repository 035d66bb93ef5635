"""Reading files out of a Valve VPK package (versions 1 and 2), as the game ships its resources.

`pak01_dir.vpk` holds a header, a directory tree and, optionally, file data; the other data
lives in `pak01_000.vpk`, `pak01_001.vpk`, ... The tree lists, per extension, per folder, per
file name: CRC32, the count of preload bytes stored right in the tree, the archive index
(0x7fff = the data follows the tree in the _dir file), offset and length.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.errors import InputError

SIGNATURE = 0x55AA1234
IN_DIR_FILE = 0x7FFF
_HEADER_SIZE = {1: 12, 2: 28}
_ENTRY = struct.Struct("<IHHIIH")  # crc, preload bytes, archive index, offset, length, terminator


@dataclass(frozen=True, slots=True)
class VpkEntry:
    crc: int
    preload: bytes
    archive: int
    offset: int
    length: int


class VpkArchive:
    """The files of one `<name>_dir.vpk` package."""

    def __init__(self, dir_path: Path) -> None:
        self.path = Path(dir_path)
        try:
            data = self.path.read_bytes()
        except OSError as error:
            raise InputError(f"{self.path}: cannot read the VPK ({error.strerror or error})") from error
        self.data_start, self.entries = _read_tree(self.path, data)
        self._dir_data = data

    def names(self) -> list[str]:
        return sorted(self.entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _key(name) in self.entries

    def read(self, name: str) -> bytes | None:
        """A file's bytes (None if the package has no such file)."""
        entry = self.entries.get(_key(name))
        if entry is None:
            return None
        body = b""
        if entry.length:
            if entry.archive == IN_DIR_FILE:
                start = self.data_start + entry.offset
                body = self._dir_data[start : start + entry.length]
            else:
                body = self._read_archive(entry)
            if len(body) != entry.length:
                raise self._corrupt(f"{name}: data ends early")
        content = entry.preload + body
        if zlib.crc32(content) != entry.crc:
            raise self._corrupt(f"{name}: CRC mismatch")
        return content

    def _read_archive(self, entry: VpkEntry) -> bytes:
        stem = self.path.name.removesuffix("_dir.vpk")
        archive = self.path.with_name(f"{stem}_{entry.archive:03d}.vpk")
        try:
            with archive.open("rb") as f:
                f.seek(entry.offset)
                return f.read(entry.length)
        except OSError as error:
            raise InputError(f"{archive}: cannot read the VPK archive ({error.strerror or error})") from error

    def _corrupt(self, why: str) -> InputError:
        return InputError(f"{self.path} is not a valid VPK package: {why}")


def _key(name: str) -> str:
    return name.replace("\\", "/").lower().lstrip("/")


def _read_tree(path: Path, data: bytes) -> tuple[int, dict[str, VpkEntry]]:
    def corrupt(why: str) -> InputError:
        return InputError(f"{path} is not a valid VPK package: {why}")

    if len(data) < 12:
        raise corrupt("too short for a header")
    signature, version, tree_size = struct.unpack_from("<III", data)
    if signature != SIGNATURE:
        raise corrupt("wrong signature")
    if version not in _HEADER_SIZE:
        raise corrupt(f"unsupported version {version}")
    header = _HEADER_SIZE[version]
    end = header + tree_size
    if len(data) < end:
        raise corrupt("the directory tree is cut short")
    entries: dict[str, VpkEntry] = {}
    position = header

    def string() -> str:
        nonlocal position
        stop = data.find(b"\0", position, end)
        if stop < 0:
            raise corrupt("unterminated name in the directory tree")
        text = data[position:stop].decode("utf-8", "replace")
        position = stop + 1
        return text

    while (extension := string()) != "":
        while (folder := string()) != "":
            while (filename := string()) != "":
                if position + _ENTRY.size > end:
                    raise corrupt("an entry is cut short")
                crc, preload_size, archive, offset, length, terminator = _ENTRY.unpack_from(data, position)
                position += _ENTRY.size
                if terminator != 0xFFFF:
                    raise corrupt(f"bad entry terminator for {filename}")
                preload = data[position : position + preload_size]
                if len(preload) != preload_size or position + preload_size > end:
                    raise corrupt(f"preload data of {filename} is cut short")
                position += preload_size
                entries[_key(_join(folder, filename, extension))] = VpkEntry(crc, preload, archive, offset, length)
    return end, entries


def _join(folder: str, filename: str, extension: str) -> str:
    name = filename if extension.strip() == "" else f"{filename}.{extension}"
    return name if folder.strip() == "" else f"{folder}/{name}"
