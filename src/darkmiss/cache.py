"""The one cache module: derived data keyed by a hash of its inputs, atomic file writes, and the
checks of output locations.

The cache folder is ``$DARKMISS_CACHE`` or ``~/.cache/darkmiss``. Every file darkmiss writes goes
through :func:`atomic_write_path` (temporary name ``.NAME.*.part``, then rename), so an interrupted run
never leaves a half-written file under its final name; :func:`remove_partial_files` clears the
temporary files a killed run left behind. :func:`check_output_folder` and :func:`check_output_file`
check that a location can be written before any computing starts.

Test hook: with ``DARKMISS_TEST_KILL_AT=SCOPE[:N]`` in the environment, the process sends itself SIGKILL
in the middle of its N-th file write (default 1) inside the write scope ``SCOPE`` (a stage of ``darkmiss
reproduce``, counting the files written into its folder, see :func:`write_scope`; ``main`` outside any
stage, counting every file). The interrupted-run tests use it; it is read in :func:`kill_point` only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import pickle
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.errors import DarkmissError, UserInputError
from darkmiss.util import to_json

#: Environment variable of the interrupted-run test hook (:func:`kill_point`).
KILL_ENV = "DARKMISS_TEST_KILL_AT"
#: Suffix of the temporary files of :func:`atomic_write_path`.
PARTIAL_SUFFIX = ".part"


@dataclasses.dataclass
class _Writes:
    """The current write scope, the folder whose files it counts (None: every file) and the number of
    file writes counted in it (for :func:`kill_point`)."""

    scope: str = "main"
    root: str | None = None
    count: int = 0


_WRITES = _Writes()

#: The process's umask, read once at import: files written through a temporary name get the mode an
#: ordinary ``open(path, "w")`` would give them (``tempfile.mkstemp`` makes them 0600).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def cache_dir() -> Path:
    """The cache folder (created on demand)."""
    root = Path(os.environ.get("DARKMISS_CACHE", Path.home() / ".cache" / "darkmiss"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def hash_key(*parts: Any) -> str:
    """A stable 20-hex-digit hash of JSON-serialisable ``parts`` (numpy arrays allowed)."""

    def default(o: Any) -> Any:
        if isinstance(o, np.ndarray):
            return {"__nd__": o.tolist(), "dtype": str(o.dtype)}
        if isinstance(o, (np.floating, np.integer)):
            return o.item()
        if isinstance(o, Path):
            return str(o)
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return dataclasses.asdict(o)
        return repr(o)

    blob = json.dumps(parts, sort_keys=True, default=default).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


#: The file, inside a folder of outputs, recording the inputs each output was made from (:func:`made_from`).
OUTPUT_DIGESTS = "digests.json"


@functools.lru_cache(maxsize=1)
def source_digest() -> str:
    """sha256 of darkmiss's own source files (names and contents): outputs made by other code never match."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def input_digest(*parts: Any) -> str:
    """sha256 of the pickled ``parts`` together with :func:`source_digest`: equal digests mean the same
    inputs to the same code. Inputs that are equal but pickle differently (such as sets of strings in
    two processes) give different digests, so an output is only ever made again, never wrongly kept."""
    return hashlib.sha256(pickle.dumps((source_digest(), parts), protocol=5)).hexdigest()


def made_from(folder: str | os.PathLike[str], digests: dict[str, str]) -> set[str]:
    """The names of ``digests`` ({file name: :func:`input_digest`}) whose file exists in ``folder`` and was
    made from that digest, as recorded in ``folder/digests.json`` (:func:`record_made_from`)."""
    f = Path(folder)
    try:
        known = json.loads((f / OUTPUT_DIGESTS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    except (OSError, json.JSONDecodeError) as exc:
        raise DarkmissError(f"unreadable record of outputs {f / OUTPUT_DIGESTS}: {exc}; remove it") from exc
    return {n for n, d in digests.items() if known.get(n) == d and (f / n).is_file()}


def record_made_from(folder: str | os.PathLike[str], digests: dict[str, str]) -> Path:
    """Record in ``folder/digests.json`` that the files named in ``digests`` were made from those digests
    (entries of other files are kept)."""
    f = Path(folder)
    path = f / OUTPUT_DIGESTS
    known = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    known.update(digests)
    return write_text_atomic(path, json.dumps(dict(sorted(known.items())), indent=1) + "\n")


@contextlib.contextmanager
def write_scope(name: str, root: str | os.PathLike[str] | None = None) -> Iterator[None]:
    """Count the writes of files under ``root`` inside this block as the scope ``name`` (for
    :func:`kill_point`; files written elsewhere, e.g. into the cache, are not counted)."""
    before = dataclasses.replace(_WRITES)
    _WRITES.scope, _WRITES.count = name, 0
    _WRITES.root = None if root is None else os.path.join(os.path.abspath(root), "")
    try:
        yield
    finally:
        _WRITES.scope, _WRITES.root, _WRITES.count = before.scope, before.root, before.count


def kill_point(target: str | os.PathLike[str]) -> None:
    """The interrupted-run test hook, called in the middle of writing the file ``target``: SIGKILL this
    process at the write named by ``$DARKMISS_TEST_KILL_AT`` (``SCOPE[:N]``, see the module docstring)."""
    if _WRITES.root is not None and not os.path.abspath(target).startswith(_WRITES.root):
        return
    _WRITES.count += 1
    want = os.environ.get(KILL_ENV)
    if not want:
        return
    scope, _, nth = want.partition(":")
    if scope == _WRITES.scope and int(nth or 1) == _WRITES.count:
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def atomic_write_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else remove it.

    The test hook :func:`kill_point` runs once per write: where the body does not call it, it runs
    after the body wrote the temporary file and before the rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.chmod(0o666 & ~_UMASK)
    count = _WRITES.count
    try:
        yield tmp_path
        if _WRITES.count == count:
            kill_point(target)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically; return the path."""
    with atomic_write_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        half = len(text) // 2
        fh.write(text[:half])
        fh.flush()
        kill_point(path)  # the test hook, half-way through the file
        fh.write(text[half:])
    return Path(path)


def remove_partial_files(root: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files (``.NAME.*.part``) that a killed writer left under ``root``; return
    them. Only call it while no other process writes under ``root`` (e.g. holding its lock)."""
    removed = []
    for p in Path(root).rglob(f".*{PARTIAL_SUFFIX}"):
        if p.is_file():
            p.unlink()
            removed.append(p)
    return removed


def _writable_ancestor(path: Path, parameter: str) -> Path:
    """The nearest existing folder at or above ``path``, checked writable by creating a file in it."""
    anc = path
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise UserInputError(parameter, str(path), f"a path inside a folder ({anc} is a file)")
    try:
        fd, probe = tempfile.mkstemp(prefix=".darkmiss-write-check.", dir=anc)
    except OSError as exc:
        raise UserInputError(
            parameter, str(path), f"a location this user can write to ({anc}: {exc.strerror})"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return anc


def check_output_folder(path: str | os.PathLike[str], parameter: str = "out") -> Path:
    """Check, before any computing, that the folder ``path`` exists or can be created and written;
    nothing is created. A file there, or a file or unwritable folder above it, is a user error."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UserInputError(parameter, str(p), "a folder (this path is a file)")
    _writable_ancestor(p, parameter)
    return p


def check_output_file(path: str | os.PathLike[str], parameter: str = "out") -> Path:
    """Check, before any computing, that the file ``path`` can be written (its folder exists or can be
    created and written; ``path`` is not a folder); nothing is created."""
    p = Path(path)
    if p.is_dir():
        raise UserInputError(parameter, str(p), "a file name (this path is a folder)")
    _writable_ancestor(p.parent, parameter)
    return p


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as JSON (numpy-aware) atomically."""
    return write_text_atomic(path, to_json(obj))


def cached_json(namespace: str, key: str) -> Any | None:
    """Return the cached JSON object ``namespace/key``, or None."""
    p = cache_dir() / namespace / f"{key}.json"
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def store_json(namespace: str, key: str, obj: Any) -> Path:
    """Store ``obj`` as ``namespace/key`` in the cache."""
    return write_json_atomic(cache_dir() / namespace / f"{key}.json", obj)


def _entry(namespace: str, key: str, root: Path | None, suffix: str) -> Path:
    """The file of the cache entry ``namespace/key`` under ``root`` (default the cache folder)."""
    return (cache_dir() if root is None else root) / namespace / f"{key}{suffix}"


def cached_npz(namespace: str, key: str) -> dict[str, np.ndarray] | None:
    """Return the cached arrays ``namespace/key`` of the cache folder, or None."""
    p = _entry(namespace, key, None, ".npz")
    if not p.exists():
        return None
    try:
        with np.load(p, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError):
        return None


#: First bytes of a :func:`store_packed` file (the format's name and layout).
_PACKED_MAGIC = b"DMPACK1\n"
#: Byte alignment of each array in a :func:`store_packed` file.
_PACKED_ALIGN = 64


def store_packed(
    namespace: str,
    key: str,
    arrays: dict[str, np.ndarray],
    root: Path | None = None,
    *,
    meta: Any = None,
) -> Path:
    """Store ``arrays`` and the JSON object ``meta`` as ``namespace/key`` under ``root`` (default the
    cache folder) in one uncompressed file: the magic bytes, the header length (8 bytes, little
    endian), a JSON header (``meta``, each array's name, dtype, shape and offset, and the length of the
    data, so that a file cut short is never read), then the arrays' bytes, each 64-byte aligned.
    Reading it back (:func:`cached_packed`) parses one header and copies nothing per array, where an
    ``.npz`` parses a header per array inside a zip archive."""
    items = [(name, np.asarray(a)) for name, a in arrays.items()]
    for name, a in items:
        if a.dtype.hasobject or a.dtype.names is not None:
            raise TypeError(f"store_packed: array {name!r} has dtype {a.dtype}, not a plain numeric one")
    offset, index = 0, []
    for name, a in items:
        index.append({"name": name, "dtype": a.dtype.str, "shape": list(a.shape), "offset": offset})
        offset += -(-a.nbytes // _PACKED_ALIGN) * _PACKED_ALIGN
    header = json.dumps({"meta": meta, "arrays": index, "data_bytes": offset}, sort_keys=True).encode()
    start = len(_PACKED_MAGIC) + 8 + len(header)
    pad = -start % _PACKED_ALIGN
    target = _entry(namespace, key, root, ".packed")
    with atomic_write_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(_PACKED_MAGIC + len(header).to_bytes(8, "little") + header + b"\0" * pad)
        for _name, a in items:
            fh.write(a.tobytes())
            fh.write(b"\0" * (-a.nbytes % _PACKED_ALIGN))
    return target


def cached_packed(
    namespace: str, key: str, root: Path | None = None
) -> tuple[dict[str, np.ndarray], Any] | None:
    """The arrays (writable, sharing one buffer) and the ``meta`` object that :func:`store_packed` stored
    as ``namespace/key`` under ``root`` (default the cache folder), or None where there is no such entry
    or it cannot be read whole (it is then made again)."""
    p = _entry(namespace, key, root, ".packed")
    try:
        with open(p, "rb") as fh:
            buf = bytearray(os.fstat(fh.fileno()).st_size)
            if fh.readinto(buf) != len(buf) or not buf.startswith(_PACKED_MAGIC):
                return None
        n = len(_PACKED_MAGIC)
        size = int.from_bytes(buf[n : n + 8], "little")
        head = json.loads(bytes(buf[n + 8 : n + 8 + size]))
        base = n + 8 + size
        base += -base % _PACKED_ALIGN
        if len(buf) != base + int(head["data_bytes"]):
            return None
        arrays = {}
        for e in head["arrays"]:
            dt = np.dtype(e["dtype"])
            shape = tuple(int(d) for d in e["shape"])
            count = int(np.prod(shape, dtype=np.int64))
            arrays[e["name"]] = np.frombuffer(buf, dt, count, base + int(e["offset"])).reshape(shape)
        return arrays, head["meta"]
    except (OSError, ValueError, KeyError, TypeError):  # missing, truncated or not this format
        return None


def store_npz(namespace: str, key: str, arrays: dict[str, np.ndarray]) -> Path:
    """Store arrays, compressed, as ``namespace/key`` in the cache folder."""
    target = _entry(namespace, key, None, ".npz")
    with atomic_write_path(target) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
    return target
