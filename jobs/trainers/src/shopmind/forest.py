"""Fast prediction for trained LightGBM models: the trees compiled to native code.

LightGBM predicts by walking its trees in a generic interpreter: for the recommendation blend
(200 trees, about 100 candidates a request) that is about half a millisecond of every request.
``lleaves`` turns a model's trees into LLVM IR and compiles them for the host CPU; the same
predictions then take about a ninth of the time (docs/benchmarks.md). Compiling takes seconds
(about 8 s for the blend's 200 trees on two cores), so it is done once, when a model is readied
for serving (:meth:`Forest.compile`), and the machine code is cached in a folder keyed by the
model's text, the host CPU and the compiler versions: a cached object is never used for
another model or another kind of CPU.

Scores are LightGBM's raw scores (no objective transform, as the rankers use them) and equal
LightGBM's own to rounding (a test checks 1e-9). Until a model is compiled, or where it
cannot be (lleaves missing, compilation failed), LightGBM predicts: slower, never different.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)


class Forest:
    """A trained LightGBM booster with an optional compiled twin (module docstring)."""

    def __init__(self, booster: Any) -> None:
        """``booster``: a trained ``lightgbm.Booster``."""
        self.booster = booster
        self._compiled: Any | None = None

    @property
    def compiled(self) -> bool:
        """True once :meth:`compile` succeeded: predictions come from native code."""
        return self._compiled is not None

    def predict(self, x: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """Raw scores ``(n,)`` of the rows of ``x`` ``(n, F)``, on the calling thread."""
        compiled = self._compiled
        if compiled is not None:
            return np.asarray(compiled.predict(x, n_jobs=1), dtype=np.float64)
        # one thread: ~100 rows a request, where OpenMP start-up costs more than it saves
        return np.asarray(self.booster.predict(x, raw_score=True, num_threads=1), np.float64)

    def compile(self, cache_dir: Path | None = None) -> bool:
        """Compile the trees for this CPU (or load them from ``cache_dir``); False, with a
        warning logged, when that is not possible here. Safe to call again."""
        if self._compiled is not None:
            return True
        try:
            import lleaves
            import llvmlite.binding as llvm
        except ImportError:
            log.warning("lleaves is not installed: tree models predict with LightGBM")
            return False
        text = self.booster.model_to_string()
        cache: Path | None = None
        if cache_dir is not None:
            key = "\0".join(
                (
                    text,
                    llvm.get_host_cpu_name(),
                    llvm.get_host_cpu_features().flatten(),
                    version("lleaves"),
                    ".".join(map(str, llvm.llvm_version_info)),
                )
            )
            cache_dir.mkdir(parents=True, exist_ok=True)
            cache = cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.o"
        try:
            self._compiled = _compile(lleaves, text, cache)
        except Exception as exc:  # any compiler failure: LightGBM predicts instead
            log.warning("could not compile a tree model (%s): LightGBM predicts", exc)
            return False
        return True


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _compile(lleaves: Any, text: str, cache: Path | None) -> Any:
    """The lleaves model of ``text``, compiled, or loaded from ``cache`` when a sound copy is
    there.

    LLVM aborts the whole process on a damaged object file, so a cached object is loaded only
    when its bytes match the SHA-256 written beside it; anything else is compiled anew. Both
    files are written under private names and renamed, so a crash leaves no half file.
    """
    with tempfile.TemporaryDirectory() as tmp:
        model_file = Path(tmp) / "model.txt"
        model_file.write_text(text, encoding="utf-8")
        model = lleaves.Model(model_file=str(model_file))
        if cache is None:
            model.compile(raw_score=True)
            return model
        check = cache.with_name(cache.name + ".sha256")
        sound = cache.exists() and check.exists() and check.read_text() == _digest(cache)
        if sound:
            model.compile(cache=str(cache), raw_score=True)
            return model
        staged = cache.with_name(f"{cache.name}.{os.getpid()}.partial")
        staged_check = check.with_name(f"{check.name}.{os.getpid()}.partial")
        staged.unlink(missing_ok=True)  # lleaves would load a leftover instead of compiling
        model.compile(cache=str(staged), raw_score=True)
        staged_check.write_text(_digest(staged))
        os.replace(staged_check, check)
        os.replace(staged, cache)
        return model
