"""The example consumer of docker-compose.yaml: replies to each task of the queue
"echo" with its own info and content. Standard library plus the client in
clients/python (mounted on PYTHONPATH).

    TASKCENTER_URL=http://127.0.0.1:8000 python3 deploy/echo_consumer.py
"""

import os

from taskcenter import TaskConsumer


class Echo(TaskConsumer):
    queue = os.environ.get("ECHO_QUEUE", "echo")

    def process(self, task):
        return task.info, task.content


if __name__ == "__main__":
    Echo(os.environ.get("TASKCENTER_URL", "http://127.0.0.1:8000"),
         workers=int(os.environ.get("ECHO_WORKERS", "2"))).run()
