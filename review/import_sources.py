"""What an import reads: files, directories, globs and zip archives → a list of sources, one per file.

Every file found becomes a ``Source``, including the ones that will not be imported (too large, not a
report type, an archive member that cannot be read): each gets its own result row instead of vanishing.
Zip members are read into memory under a size cap and never extracted to disk.
"""

from __future__ import annotations

import csv
import glob
import io
import os
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

REPORT_SUFFIXES = {".pdf", ".html", ".htm", ".shtml", ".docx", ".txt", ".md"}
ARCHIVE_SUFFIXES = {".zip"}
GLOB_CHARS = set("*?[")


class SourceProblem(Exception):
    """Why a source cannot be read; becomes the ``failed`` row's reason."""


@dataclass(frozen=True)
class Source:
    """One file to import: on disk, or a member of a zip archive (``member`` set)."""

    name: str
    """As shown in results: the path as found, ``archive.zip!inner/path.pdf`` for a member."""
    path: Path
    member: str | None = None
    size: int = 0
    problem: str = ""
    """Known before reading: the file will not be imported, for this reason."""
    skipped: bool = False
    """The problem is a skip (not a report type), not a failure."""

    @property
    def filename(self) -> str:
        """The bare file name the report keeps (and the loaders see)."""
        return Path(self.member).name if self.member else self.path.name


def discover(paths: list[str], *, max_bytes: int, max_archive_bytes: int) -> list[Source]:
    """Expand the command's PATH arguments in order; a file reached twice is listed once."""
    out: list[Source] = []
    seen: set[str] = set()

    def add(source: Source) -> None:
        if source.name not in seen:
            seen.add(source.name)
            out.append(source)

    for arg in paths:
        path = Path(arg)
        if path.exists() or path.is_symlink():
            for source in _expand(path, explicit=True, max_bytes=max_bytes, max_archive_bytes=max_archive_bytes):
                add(source)
        elif GLOB_CHARS & set(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                add(Source(arg, path, problem="no file matches this pattern"))
            for match in matches:
                for source in _expand(Path(match), explicit=True, max_bytes=max_bytes,
                                      max_archive_bytes=max_archive_bytes):
                    add(source)
        else:
            add(Source(arg, path, problem="file not found"))
    return out


def _expand(path: Path, *, explicit: bool, max_bytes: int, max_archive_bytes: int) -> list[Source]:
    if path.is_dir():
        found: list[Source] = []
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                found += _expand(Path(root) / name, explicit=False, max_bytes=max_bytes,
                                 max_archive_bytes=max_archive_bytes)
        return found
    name = str(path)
    if not path.is_file():
        return [Source(name, path, problem="not a regular file (a broken link, a device or a pipe)")]
    suffix = path.suffix.lower()
    if not explicit and path.name.startswith("."):
        return [Source(name, path, problem="hidden file", skipped=True)]
    if suffix in ARCHIVE_SUFFIXES:
        return zip_members(path, max_bytes=max_bytes, max_archive_bytes=max_archive_bytes)
    if not explicit and suffix not in REPORT_SUFFIXES:
        return [Source(name, path, problem=f"not a report file type ({suffix or 'no extension'})", skipped=True)]
    size = path.stat().st_size
    if size > max_bytes:
        return [Source(name, path, size=size, problem=_too_large(size, max_bytes))]
    return [Source(name, path, size=size)]


def _too_large(size: int, limit: int) -> str:
    return f"too large: {size / 2**20:.1f} MB, the limit is {limit / 2**20:.0f} MB (FOI_MAX_IMPORT_MB)"


def zip_members(path: Path, *, max_bytes: int, max_archive_bytes: int) -> list[Source]:
    """One source per member, read lazily; declared sizes bound what reading can produce (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        return [Source(str(path), path, problem=f"not a readable zip archive ({exc})")]
    out: list[Source] = []
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        name = f"{path}!{info.filename}"
        suffix = Path(info.filename).suffix.lower()
        base = Path(info.filename).name
        if base.startswith(".") or info.filename.startswith("__MACOSX/"):
            out.append(Source(name, path, info.filename, info.file_size, "hidden file", skipped=True))
        elif suffix in ARCHIVE_SUFFIXES:
            out.append(Source(name, path, info.filename, info.file_size,
                              "an archive inside an archive is not opened", skipped=True))
        elif suffix not in REPORT_SUFFIXES:
            out.append(Source(name, path, info.filename, info.file_size,
                              f"not a report file type ({suffix or 'no extension'})", skipped=True))
        elif info.flag_bits & 0x1:
            out.append(Source(name, path, info.filename, info.file_size, "encrypted archive member"))
        elif info.file_size > max_bytes:
            out.append(Source(name, path, info.filename, info.file_size, _too_large(info.file_size, max_bytes)))
        elif total + info.file_size > max_archive_bytes:
            out.append(Source(name, path, info.filename, info.file_size,
                              f"the archive unpacks to more than {max_archive_bytes / 2**20:.0f} MB "
                              "(FOI_MAX_ARCHIVE_MB): member not read"))
        else:
            total += info.file_size
            out.append(Source(name, path, info.filename, info.file_size))
    return out


class SourceReader:
    """Reads sources one after another, keeping the current archive open between its members."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._archive_path: Path | None = None
        self._archive: zipfile.ZipFile | None = None

    def read(self, source: Source) -> bytes:
        if source.problem:
            raise SourceProblem(source.problem)
        if source.member is None:
            return self._read_file(source.path)
        return self._read_member(source)

    def _read_file(self, path: Path) -> bytes:
        try:
            with path.open("rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:
            raise SourceProblem(f"cannot read the file: {exc.strerror or exc}") from exc
        if len(data) > self.max_bytes:
            raise SourceProblem(_too_large(path.stat().st_size, self.max_bytes))
        return data

    def _read_member(self, source: Source) -> bytes:
        try:
            if self._archive_path != source.path:
                self.close()
                self._archive = zipfile.ZipFile(source.path)
                self._archive_path = source.path
            assert self._archive is not None
            with self._archive.open(source.member or "") as handle:
                data = handle.read(self.max_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError,
                KeyError, ValueError) as exc:
            raise SourceProblem(f"cannot read the archive member ({type(exc).__name__}: {exc})") from exc
        if len(data) > self.max_bytes:
            raise SourceProblem(_too_large(len(data), self.max_bytes))
        return data

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
        self._archive, self._archive_path = None, None


# --- --metadata CSV ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceMeta:
    source_url: str = ""
    published_on: date | None = None
    region: str = ""


class MetadataError(Exception):
    pass


_KEY_COLUMNS = ("file", "filename", "file_name", "name", "path")
_URL_COLUMNS = ("source_url", "url")
_DATE_COLUMNS = ("published_on", "published", "publication_date", "date")
_REGION_COLUMNS = ("region",)


def _parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


class Metadata:
    """File name → source URL, publication date, region. Checked whole before the import starts."""

    def __init__(self, entries: dict[str, SourceMeta]) -> None:
        self.entries = entries
        self.used: set[str] = set()

    @classmethod
    def empty(cls) -> Metadata:
        return cls({})

    @classmethod
    def load(cls, path: Path) -> Metadata:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise MetadataError(f"{path}: cannot read ({exc})") from exc
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}

        def column(names: tuple[str, ...]) -> str | None:
            return next((header[n] for n in names if n in header), None)

        key_col = column(_KEY_COLUMNS)
        if key_col is None:
            raise MetadataError(f"{path}: needs a file name column ({' / '.join(_KEY_COLUMNS)})")
        url_col, date_col, region_col = column(_URL_COLUMNS), column(_DATE_COLUMNS), column(_REGION_COLUMNS)
        entries: dict[str, SourceMeta] = {}
        errors: list[str] = []
        validate_url = URLValidator(schemes=["http", "https"])
        for line, row in enumerate(reader, start=2):
            key = (row.get(key_col) or "").strip().replace("\\", "/")
            if not key:
                continue
            url = (row.get(url_col) or "").strip() if url_col else ""
            when = (row.get(date_col) or "").strip() if date_col else ""
            region = (row.get(region_col) or "").strip() if region_col else ""
            published = None
            try:
                if url:
                    validate_url(url)
                if when:
                    published = _parse_date(when)
            except (ValidationError, ValueError) as exc:
                detail = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                errors.append(f"line {line} ({key}): {detail}")
                continue
            if key in entries:
                errors.append(f"line {line}: {key} is listed twice")
            entries[key] = SourceMeta(url, published, region[:100])
        if errors:
            shown = "; ".join(errors[:10]) + (f"; … {len(errors) - 10} more" if len(errors) > 10 else "")
            raise MetadataError(f"{path}: {shown}")
        return cls(entries)

    def for_source(self, source: Source) -> SourceMeta | None:
        """Matched by the name as shown or any tail of it (``2024/a.pdf``, ``a.pdf``), longest first; for an
        archive member also by its path inside the archive."""
        if not self.entries:
            return None
        parts = source.name.replace("\\", "/").replace("!", "/").split("/")
        keys = ["/".join(parts[i:]) for i in range(len(parts))]
        for key in [source.name.replace("\\", "/"), source.member or "", *keys]:
            if key and key in self.entries:
                self.used.add(key)
                return self.entries[key]
        return None

    @property
    def unused(self) -> list[str]:
        return sorted(set(self.entries) - self.used)
