"""A population on disk, read in record batches: one file (CSV or Parquet) or a folder of
Parquet files (for example partitioned by region, ``region=seoul/part-0.parquet``).

Nothing here holds a whole population: a :class:`Part` (one file) yields Arrow record batches
of at most ``batch_size`` rows, and :mod:`ieum.catalog.simulate` checks and evaluates each
batch before reading the next. A folder's parts are its files in path order, which is the unit
of work of the cluster engine (:mod:`ieum.catalog.cluster`) as well: both engines see the same
parts cut into the same batches, and so add up the same numbers in the same order.

Paths may be local or any URI pyarrow's filesystems open (``s3://bucket/prefix``): every
machine of a cluster must reach the same path.
"""

from __future__ import annotations

import ctypes
import queue
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ieum.catalog.population import PopulationError
from ieum.catalog.variables import POPULATION_COLUMNS

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv",)
#: The CSV reader's block (bytes): a batch is about this much text.
CSV_BLOCK_BYTES = 16 << 20
_NUMERIC = tuple(name for name in POPULATION_COLUMNS if name not in ("household_id", "region"))


def _filesystem(location: str) -> tuple[pafs.FileSystem, str]:
    if "://" in location:
        try:
            return pafs.FileSystem.from_uri(location)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
            raise PopulationError(f"인구 위치를 열 수 없습니다: {location} ({error})") from None
    return pafs.LocalFileSystem(), str(Path(location).resolve())


def _partition_values(relative: str) -> dict[str, str]:
    """``region=seoul/part-0.parquet`` -> ``{"region": "seoul"}`` (hive-style folders)."""
    values = {}
    for segment in relative.split("/")[:-1]:
        key, sep, value = segment.partition("=")
        if sep:
            values[key] = value
    return values


@dataclass(frozen=True)
class Part:
    """One file of a population: where it is, its kind, the values its folder names give
    (``region=seoul``), and its size (rows for Parquet, bytes for CSV) for progress."""

    location: str
    name: str
    kind: str  # "parquet" or "csv"
    partition: dict[str, str] = field(default_factory=dict)
    weight: int = 0
    uri: bool = False

    def _open(self) -> tuple[pafs.FileSystem, str]:
        if self.uri:
            return pafs.FileSystem.from_uri(self.location)
        return pafs.LocalFileSystem(), self.location

    def batches(self, batch_size: int, *, as_text: bool = False,
                ) -> Iterator[tuple[pa.RecordBatch, float]]:
        """The part's record batches with the columns of a population file, each with the
        share of the part read so far (0..1). ``as_text`` reads a CSV's numbers as text (the
        error path: :mod:`ieum.catalog.simulate` then names the bad row).
        Raises :class:`PopulationError` for a file that cannot be read."""
        filesystem, path = self._open()
        try:
            if self.kind == "parquet":
                yield from self._parquet(filesystem, path, batch_size)
            else:
                yield from self._csv(filesystem, path, batch_size, as_text)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
            if self.kind == "csv" and not as_text and isinstance(error, pa.ArrowInvalid):
                raise CsvTypeError(str(error)) from None
            kind = "Parquet" if self.kind == "parquet" else "CSV"
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise PopulationError(f"{self.name}: {kind} 파일로 읽을 수 없습니다 ({detail})") \
                from None

    def _parquet(self, filesystem: pafs.FileSystem, path: str, batch_size: int,
                 ) -> Iterator[tuple[pa.RecordBatch, float]]:
        with filesystem.open_input_file(path) as handle:
            reader = pq.ParquetFile(handle, pre_buffer=False)
            names = set(reader.schema_arrow.names)
            wanted = [name for name in POPULATION_COLUMNS if name in names]
            total = reader.metadata.num_rows or 1
            done = 0
            for batch in reader.iter_batches(batch_size=batch_size, columns=wanted,
                                             use_threads=True):
                done += batch.num_rows
                yield self._with_partition(batch), done / total

    def _csv(self, filesystem: pafs.FileSystem, path: str, batch_size: int, as_text: bool,
             ) -> Iterator[tuple[pa.RecordBatch, float]]:
        types: dict[str, pa.DataType] = {"region": pa.dictionary(pa.int32(), pa.string()),
                                         "household_id": pa.string()}
        for name in _NUMERIC:
            types[name] = pa.string() if as_text else pa.float64()
        convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True)
        block = max(1 << 16, min(CSV_BLOCK_BYTES, batch_size * 96))
        with filesystem.open_input_file(path) as handle:
            reader = pacsv.open_csv(handle, read_options=pacsv.ReadOptions(block_size=block),
                                    convert_options=convert)
            total = self.weight or 1
            for batch in reader:
                for start in range(0, batch.num_rows, batch_size):
                    piece = batch.slice(start, batch_size)
                    yield self._with_partition(piece), min(handle.tell() / total, 1.0)

    def _with_partition(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        for key, value in self.partition.items():
            if key in POPULATION_COLUMNS and key not in batch.schema.names:
                column = pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(batch.num_rows, dtype=np.int8)), pa.array([value]))
                batch = batch.append_column(key, column)
        return batch


class CsvTypeError(Exception):
    """The fast CSV read met a value that is not a number: read again as text."""


@dataclass(frozen=True)
class PopulationDataset:
    """A population on disk: its parts (files) in order, and their total weight."""

    location: str
    parts: tuple[Part, ...]

    @property
    def name(self) -> str:
        return self.location.rstrip("/").rsplit("/", 1)[-1]

    @property
    def rows(self) -> int | None:
        """Households, when every part is Parquet (read from the footers); else ``None``."""
        if all(part.kind == "parquet" for part in self.parts):
            return sum(part.weight for part in self.parts)
        return None

    @property
    def bytes(self) -> int:
        return sum(part.weight for part in self.parts if part.kind == "csv")


def _kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(CSV_SUFFIXES):
        return "csv"
    return None


def _parquet_rows(filesystem: pafs.FileSystem, path: str, name: str) -> int:
    try:
        with filesystem.open_input_file(path) as handle:
            return pq.ParquetFile(handle).metadata.num_rows
    except (pa.ArrowInvalid, OSError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PopulationError(f"{name}: Parquet 파일로 읽을 수 없습니다 ({detail})") from None


def open_population(location: str | Path) -> PopulationDataset:
    """The population at ``location``: a CSV or Parquet file (by its suffix), or a folder of
    Parquet (or CSV) files read in path order, with hive-style folder names
    (``region=seoul``) giving a column the files leave out. Reads only the footers of Parquet
    files. Raises :class:`PopulationError` (Korean) when nothing can be read there."""
    text = str(location)
    uri = "://" in text
    filesystem, root = _filesystem(text)
    info = filesystem.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        raise PopulationError(f"인구 파일이 없습니다: {location}")
    if info.type == pafs.FileType.File:
        kind = _kind(root) or "csv"
        name = root.rsplit("/", 1)[-1]
        weight = _parquet_rows(filesystem, root, name) if kind == "parquet" else info.size
        where = text if uri else root
        return PopulationDataset(text, (Part(where, name, kind, {}, weight or 0, uri),))
    found = filesystem.get_file_info(pafs.FileSelector(root, recursive=True))
    files = sorted((entry for entry in found if entry.type == pafs.FileType.File
                    and _kind(entry.path) and not entry.base_name.startswith((".", "_"))),
                   key=lambda entry: entry.path)
    kinds = {_kind(entry.path) for entry in files}
    if not files:
        raise PopulationError(f"폴더에 인구 파일(.parquet 또는 .csv)이 없습니다: {location}")
    if len(kinds) > 1:
        raise PopulationError(f"한 폴더에 Parquet 파일과 CSV 파일이 섞여 있습니다: {location}")
    parts = []
    prefix = root.rstrip("/") + "/"
    scheme = text.split("://", 1)[0] + "://" if uri else ""
    for entry in files:
        relative = entry.path[len(prefix):] if entry.path.startswith(prefix) else \
            entry.base_name
        kind = _kind(entry.path) or "csv"
        weight = (_parquet_rows(filesystem, entry.path, relative) if kind == "parquet"
                  else entry.size)
        where = scheme + entry.path if uri else entry.path
        parts.append(Part(where, relative, kind, _partition_values(relative), weight or 0,
                          uri))
    return PopulationDataset(text, tuple(parts))


_END = object()


def read_ahead(batches: Iterator[Any], depth: int = 1) -> Iterator[Any]:
    """``batches``, read by a background thread up to ``depth`` items ahead of the consumer:
    Arrow decodes the next batch (without the GIL) while NumPy computes this one. At most
    ``depth + 1`` batches are in memory beyond the one in use. An error of the reader is
    raised in the consumer; a consumer that stops early stops the reader."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        ready.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put((_END, None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer
            ready.put((_END, error))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()  # the file is closed now, not when the generator is collected

    reader = threading.Thread(target=produce, name="ieum-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        while reader.is_alive():
            try:
                ready.get(timeout=0.1)
            except queue.Empty:
                pass
        reader.join()


_heap_kept = False


def keep_batch_memory() -> None:
    """Ask glibc's allocator to keep freed memory for the next batch (once per process).

    A batch's NumPy temporaries are a few MB each (``CHUNK_SIZE`` float64): by default glibc
    maps the largest of them afresh and trims the heap after each batch, so every batch
    faults the same pages in again (measured: ~2x the compute time). Here arrays up to 32 MB
    come from the heap and up to 256 MB of free heap is kept: memory stays bounded (by the
    largest batch's working set) and is reused. Does nothing off glibc."""
    global _heap_kept
    if _heap_kept or not sys.platform.startswith("linux"):
        return
    _heap_kept = True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 256 << 20)
