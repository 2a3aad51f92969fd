"""Helper process for the SIGKILL test: appends batches forever, printing each acknowledgement.

Usage: python log_writer.py FOLDER BATCH_SIZE SEGMENT_BYTES

Each line on stdout is ``first_seq,count,batch`` and is printed (and flushed) only after
``append`` returned, i.e. after the batch was fsynced: exactly what an HTTP 200 would promise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shopmind.events import EventLog


def main() -> None:
    folder, batch_size, segment_bytes = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    with EventLog.open(folder, segment_bytes=segment_bytes, fsync=True) as log:
        batch = 0
        while True:
            events = [
                {"batch": batch, "i": i, "user_id": f"u{batch}", "pad": "x" * 64}
                for i in range(batch_size)
            ]
            result = log.append(events, idempotency_key=f"b{batch}")
            sys.stdout.write(f"{result.first_seq},{result.count},{batch}\n")
            sys.stdout.flush()
            batch += 1


if __name__ == "__main__":
    main()
