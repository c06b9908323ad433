#!/usr/bin/env python3
"""Streaming a task's output as it is produced: a "language model" consumer reports each
token as a progress event, and callers print the tokens as they arrive, then the reply.

The consumer (a TaskConsumer) calls ``self.progress(info)`` once per token inside
``process``; each caller uses ``TaskCenter.call(..., stream=True)``, which yields the
progress events as the server streams them (NDJSON over HTTP/1.1 chunked) and last the
result. With two URLs the consumer and the callers talk to different instances (a
deployment on Redis): the events travel through the store's pub/sub.

    taskcenter --port 8000 &
    PYTHONPATH=clients/python python3 examples/streaming.py --url http://127.0.0.1:8000

    # two instances on one Redis: consumer on the first, callers on the second
    python3 examples/streaming.py --url http://127.0.0.1:8000 --caller-url http://127.0.0.1:8001

Exits 1 when a caller missed a token, saw one twice or out of order, or got no reply.
"""

import argparse
import os
import sys
import threading
import time
from typing import Any, List, Tuple

# Run from a checkout without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

from taskcenter import Task, TaskCenter, TaskConsumer  # noqa: E402

WORDS = "the quick brown fox jumps over the lazy dog".split()


class TokenModel(TaskConsumer):
    """Generates `info["tokens"]` tokens, reporting each as it is made."""

    queue = "streaming-example"
    token_delay = 0.002  # seconds per token, as a model's decode step

    def process(self, task: Task) -> Tuple[Any, bytes]:
        tokens: List[str] = []
        for i in range(int(task.info["tokens"])):
            time.sleep(self.token_delay)
            token = WORDS[(i + len(task.id)) % len(WORDS)]
            tokens.append(token)
            if not self.progress({"token": token, "index": i}):
                break  # the lease is gone: nobody will take this reply
        return {"text": " ".join(tokens)}, b""


def caller(url: str, queue: str, id: str, tokens: int, echo: bool, failures: List[str]) -> None:
    with TaskCenter(url) as tc:
        seen: List[str] = []
        seqs: List[int] = []
        result = None
        for event in tc.call(queue, id, info={"tokens": tokens}, timeout=60, stream=True):
            if event["event"] == "progress":
                seqs.append(event["seq"])
                seen.append(event["info"]["token"])
                if echo:
                    print(event["info"]["token"], end=" ", flush=True)
            else:
                result = event["result"]
        if echo:
            print()
        if seqs != list(range(1, tokens + 1)):
            failures.append("%s: seqs %s" % (id, seqs[:20]))
        elif result is None or result.info["text"] != " ".join(seen):
            failures.append("%s: the reply does not match the streamed tokens" % id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the consumer's server")
    parser.add_argument("--caller-url", help="the callers' server (default: --url)")
    parser.add_argument("--calls", type=int, default=8, help="concurrent streamed calls")
    parser.add_argument("--tokens", type=int, default=40, help="tokens per call")
    args = parser.parse_args()

    model = TokenModel(args.url, workers=4)
    model.start()
    failures: List[str] = []
    started = time.monotonic()
    threads = [threading.Thread(target=caller,
                                args=(args.caller_url or args.url, TokenModel.queue,
                                      "prompt-%d-%d" % (os.getpid(), i), args.tokens, i == 0,
                                      failures))
               for i in range(args.calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    model.stop()
    model.join(10)
    elapsed = time.monotonic() - started
    print("%d streamed calls of %d tokens in %.2f s; failures: %d"
          % (args.calls, args.tokens, elapsed, len(failures)))
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
