def digests(
    key: bytes, data: bytes | memoryview, offsets: bytes | memoryview, width: int, /
) -> bytes:
    """The first ``width`` bytes of HMAC-SHA256 under ``key`` of each value
    ``data[offsets[i]:offsets[i + 1]]`` (int32 offsets, n + 1 of them), back to back."""
