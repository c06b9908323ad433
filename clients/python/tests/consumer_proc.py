"""A consumer process for the crash and graceful-stop tests.

usage: consumer_proc.py URL QUEUE MARKER_FILE HOLD_SECONDS PROMISE_REPLY_TIME

Writes "<task id>\n" to MARKER_FILE when it starts processing a task, holds it
HOLD_SECONDS, then replies {"by": "child", "pid": ...}. Runs until SIGTERM/SIGINT.
"""

import os
import sys
import time

from taskcenter import Task, TaskConsumer


class Holder(TaskConsumer):
    poll_timeout = 0.3

    def __init__(self, url: str, queue: str, marker: str, hold: float, prt: float) -> None:
        super().__init__(url, queue=queue, promise_reply_time=prt)
        self.marker, self.hold = marker, hold

    def process(self, task: Task) -> object:
        with open(self.marker, "a") as f:
            f.write(task.id + "\n")
        time.sleep(self.hold)
        return {"by": "child", "pid": os.getpid()}, task.content


if __name__ == "__main__":
    url, queue, marker, hold, prt = sys.argv[1:6]
    Holder(url, queue, marker, float(hold), float(prt)).run()
    print("consumer exited cleanly", flush=True)
