"""The floor of client-side timestamp accuracy on this machine.

A minimal client with nothing between the socket and the clock: a blocking
recv() on one connection, time.time_ns() as soon as it returns, compared with
the send time the harness server embeds in each event ("splleed_sent_ns").
Whatever delay it shows is the machine's (scheduler wake-up, loopback), not
splleed's. Standard library only.

    python3 bench/floor_client.py PORT REQUESTS TOKENS
"""

import json
import re
import socket
import sys
import time


def main() -> None:
    port, requests, tokens = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    delays, gaps_err = [], []
    stamp = re.compile(rb'"splleed_sent_ns":(\d+)')
    for r in range(requests):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = json.dumps({"prompt": f"floor{r}", "max_tokens": tokens, "stream": True})
        s.sendall(
            f"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
        )
        tail = b""
        prev = None
        while True:
            data = s.recv(65536)
            t = time.time_ns()
            if not data:
                break
            for m in stamp.finditer(data):
                sent = int(m.group(1))
                delays.append((t - sent) / 1e6)
                if prev is not None:
                    gaps_err.append(((t - prev[0]) - (sent - prev[1])) / 1e6)
                prev = (t, sent)
            tail = (tail + data)[-16:]
            if tail.endswith(b"0\r\n\r\n"):
                break
        s.close()

    def q(xs, p):
        xs = sorted(xs)
        h = (len(xs) - 1) * p
        lo = int(h)
        hi = min(lo + 1, len(xs) - 1)
        return xs[lo] + (h - lo) * (xs[hi] - xs[lo])

    print(json.dumps({
        "readDelayMs": {"p50": q(delays, 0.5), "p99": q(delays, 0.99), "n": len(delays)},
        "itlErrorMs": {"p50": q(gaps_err, 0.5), "p99": q(gaps_err, 0.99), "n": len(gaps_err)},
    }))


if __name__ == "__main__":
    main()
