"""`taskcenter-cli`: the API from a terminal.

Output is JSON (one document on stdout) unless ``--table`` asks for a readable
table. Content is shown base64-encoded in JSON, as on the wire; ``call
--content-out FILE`` writes the result's raw bytes instead.

Exit status: 0 success, 1 error (message on stderr), 2 bad usage, 3 call timed
out (the task stays queued), 4 health check failed, 5 no such queue (stat).
"""

import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence

from .client import DEFAULT_URL, TaskCenter
from .errors import CallTimeout, TaskCenterError
from .model import Result, Task, encode_content

EXIT_ERROR, EXIT_USAGE, EXIT_CALL_TIMEOUT, EXIT_UNHEALTHY = 1, 2, 3, 4
EXIT_NO_QUEUE = 5


def _json_arg(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("not valid JSON: %s" % exc)


def _read_content(args: argparse.Namespace) -> Optional[bytes]:
    if getattr(args, "content_file", None) is not None:
        if args.content_file == "-":
            return sys.stdin.buffer.read()
        with open(args.content_file, "rb") as f:
            return f.read()
    if getattr(args, "content", None) is not None:
        return args.content.encode("utf-8")
    return None


def _preview(content: Optional[bytes], width: int = 40) -> str:
    if content is None:
        return ""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return "<%d bytes>" % len(content)
    if len(text) > width or not text.isprintable():
        return "<%d bytes>" % len(content)
    return text


def _task_json(task: Task) -> Dict[str, Any]:
    out: Dict[str, Any] = {"id": task.id, "info": task.info}
    if task.cursor is not None:
        out["cursor"] = task.cursor
    if task.content is not None:
        out["content"] = encode_content(task.content)
    return out


def _table(headers: Sequence[str], rows: List[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class _Output:
    def __init__(self, table: bool) -> None:
        self.table = table

    def emit(self, value: Any, table_text: str) -> None:
        if self.table:
            print(table_text)
        else:
            print(json.dumps(value, indent=2, ensure_ascii=False))

    def tasks(self, tasks: List[Task], extra: Optional[Dict[str, Any]] = None) -> None:
        value: Any = [_task_json(t) for t in tasks]
        if extra:
            value = dict(extra, tasks=value)
        rows = [(t.id, t.cursor or "", _compact(t.info), _preview(t.content)) for t in tasks]
        text = _table(("id", "cursor", "info", "content"), rows) if tasks else "(no tasks)"
        if extra:
            text += "".join("\n%s: %s" % (k, v) for k, v in extra.items())
        self.emit(value, text)


def _cmd_put(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    created = tc.put(args.queue, args.id, info=args.info, content=_read_content(args),
                     forward_result_to=args.forward_result_to,
                     cache_result_time=args.cache_result_time, max_attempts=args.max_attempts,
                     dead_letter_to=args.dead_letter_to, delay=args.delay)
    out.emit({"queue": args.queue, "id": args.id, "created": created},
             "created" if created else "exists (a task with this id is already in the queue)")
    return 0


def _cmd_call(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    result: Optional[Result] = tc.call(args.queue, args.id, info=args.info,
                                       content=_read_content(args), timeout=args.timeout,
                                       cache_result_time=args.cache_result_time)
    if result is None:
        out.emit(None, "not done")
        return 0
    if args.content_out:
        if args.content_out == "-":
            sys.stdout.buffer.write(result.content)
            sys.stdout.flush()
            return 0
        with open(args.content_out, "wb") as f:
            f.write(result.content)
    value = {"id": result.id, "info": result.info, "content": encode_content(result.content)}
    out.emit(value, _table(("id", "info", "content"),
                           [(result.id, _compact(result.info), _preview(result.content))]))
    return 0


def _cmd_peek(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    tasks, cursor = tc.peek(args.queue, cursor=args.cursor, size=args.size,
                            timeout=args.timeout, batch_window=args.batch_window)
    out.tasks(tasks, {"cursor": cursor})
    return 0


def _cmd_take(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    out.tasks(tc.take(args.queue, size=args.size, timeout=args.timeout,
                      promise_reply_time=args.promise_reply_time,
                      batch_window=args.batch_window))
    return 0


def _cmd_acquire(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    out.tasks(tc.acquire(args.queue, args.ids, promise_reply_time=args.promise_reply_time))
    return 0


def _bool_cmd(name: str, yes: str, no: str, value: bool, out: _Output,
              args: argparse.Namespace) -> int:
    out.emit({"queue": args.queue, "id": args.id, name: value}, yes if value else no)
    return 0


def _cmd_reply(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    done = tc.reply(args.queue, args.id, info=args.info, content=_read_content(args))
    return _bool_cmd("replied", "replied", "not replied (no such task, or already done)",
                     done, out, args)


def _cmd_touch(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    alive = tc.touch(args.queue, args.id, promise_reply_time=args.promise_reply_time)
    return _bool_cmd("leased", "lease extended", "not leased", alive, out, args)


def _cmd_remove(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    removed = tc.remove(args.queue, args.id)
    return _bool_cmd("removed", "removed", "no such task", removed, out, args)


def _cmd_clear(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    cleared = tc.clear_queue(args.queue)
    out.emit({"queue": args.queue, "cleared": cleared}, "cleared" if cleared else "not cleared")
    return 0


def _cmd_stat(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    stat = tc.stat_queue(args.queue)
    if stat is None:
        # A script must be able to tell "no such queue" from an empty one.
        print("no such queue: %s" % args.queue, file=sys.stderr)
        out.emit(None, "no such queue")
        return EXIT_NO_QUEUE
    out.emit(stat, _table(("field", "value"), [(k, _compact(v)) for k, v in stat.items()]))
    return 0


def _cmd_redrive(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    moved = tc.redrive(args.queue, ids=args.ids or None, size=args.size)
    out.emit({"queue": args.queue, "moved": moved}, "moved %d" % moved)
    return 0


def _cmd_list(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    if args.cursor is None and not args.page:
        names = list(tc.iter_queues(page_size=args.size))
        out.emit(names, "\n".join(names) if names else "(no queues)")
        return 0
    names, cursor = tc.list_queue(cursor=args.cursor, size=args.size)
    out.emit({"queues": names, "cursor": cursor},
             "\n".join(names + ["(next page cursor: %s)" % cursor]))
    return 0


def _cmd_health(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    healthy, ready = tc.healthz(), tc.readyz()
    version: Any = None
    if healthy:
        try:
            version = tc.version()
        except TaskCenterError:
            version = None
    value = {"url": tc.url, "healthz": healthy, "readyz": ready, "version": version}
    out.emit(value, _table(("field", "value"), [(k, _compact(v)) for k, v in value.items()]))
    return 0 if healthy and ready else EXIT_UNHEALTHY


def _settings_text(settings: Dict[str, Any]) -> str:
    return _table(("setting", "value"), [(k, _compact(v)) for k, v in settings.items()])


def _cmd_pause(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    settings = tc.config_queue(args.queue, paused=True)
    out.emit(settings, "paused: take and acquire lease nothing\n" + _settings_text(settings))
    return 0


def _cmd_resume(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    settings = tc.config_queue(args.queue, paused=False)
    out.emit(settings, "resumed\n" + _settings_text(settings))
    return 0


def _cmd_limit(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    settings = tc.config_queue(args.queue, max_leased=args.max_leased, rate=args.rate,
                               burst=args.burst)
    out.emit(settings, _settings_text(settings))
    return 0


def _view_json(view: Dict[str, Any]) -> Dict[str, Any]:
    """A task view as printed: bytes back to base64, as on the wire."""
    out = dict(view)
    for key in ("content", "result_content"):
        if isinstance(out.get(key), (bytes, bytearray)):
            out[key] = encode_content(out[key])
    if isinstance(out.get("last_error"), dict):
        error = dict(out["last_error"])
        if isinstance(error.get("content"), (bytes, bytearray)):
            error["content"] = encode_content(error["content"])
        out["last_error"] = error
    return out


def _cmd_get(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    view = tc.get(args.queue, args.id, with_content=args.with_content)
    if view is None:
        out.emit(None, "no such task")
        return 0
    printed = _view_json(view)
    out.emit(printed, _table(("field", "value"), [(k, _compact(v)) for k, v in printed.items()]))
    return 0


def _cmd_tasks(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    if args.cursor is None and not args.page:
        views = list(tc.iter_tasks(args.queue, state=args.state, page_size=args.size))
        cursor = None
    else:
        views, cursor = tc.list_tasks(args.queue, state=args.state, cursor=args.cursor,
                                      size=args.size)
    rows = [(v["id"], v["state"], v["attempt"], v["age"], _compact(v["info"])) for v in views]
    text = _table(("id", "state", "attempt", "age", "info"), rows) if views else "(no tasks)"
    printed: Any = [_view_json(v) for v in views]
    if args.cursor is not None or args.page:
        printed = {"tasks": printed, "cursor": cursor}
        text += "\n(next page cursor: %s)" % cursor
    out.emit(printed, text)
    return 0


def _cmd_watch(tc: TaskCenter, args: argparse.Namespace, out: _Output) -> int:
    # One line per event as it arrives (JSON lines, or a readable line with --table),
    # flushed at once: this is for following a task live.
    seen = False
    for event in tc.watch(args.queue, args.id, after=args.after, timeout=args.timeout):
        seen = True
        if event["event"] == "progress":
            value = {"event": "progress", "seq": event["seq"], "info": event["info"],
                     "content": encode_content(event["content"])}
            text = "%d  %s  %s" % (event["seq"], _compact(event["info"]),
                                   _preview(event["content"]))
        else:
            result = event["result"]
            value = {"event": "result", "id": result.id if result else args.id,
                     "info": result.info if result else None,
                     "content": encode_content(result.content) if result else ""}
            text = "result  %s  %s" % (_compact(value["info"]),
                                       _preview(result.content if result else b""))
        print(text.rstrip() if out.table else _compact(value), flush=True)
    if not seen:
        out.emit(None, "no such task")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    def common_options(suppress: bool) -> argparse.ArgumentParser:
        # The options are accepted before and after the subcommand. The subcommand's
        # copy has no defaults (SUPPRESS), or it would overwrite the value given
        # before the subcommand with its default.
        def default(value: Any) -> Any:
            return argparse.SUPPRESS if suppress else value

        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--url", default=default(os.environ.get("TASKCENTER_URL", DEFAULT_URL)),
                            help="server base URL (env TASKCENTER_URL; default %s)" % DEFAULT_URL)
        common.add_argument("--token", default=default(os.environ.get("TASKCENTER_TOKEN")),
                            help="bearer token (env TASKCENTER_TOKEN)")
        common.add_argument("--http-timeout", type=float, default=default(30.0),
                            help="seconds a request may take beyond its long-poll (default 30)")
        common.add_argument("--table", action="store_true", default=default(False),
                            help="print a readable table, not JSON")
        return common

    parser = argparse.ArgumentParser(
        prog="taskcenter-cli", parents=[common_options(False)],
        description="Command line of the taskcenter task queue. Output is JSON unless "
                    "--table; content appears base64-encoded. Exit status: 0 ok, 1 error, "
                    "2 usage, 3 call timed out, 4 unhealthy, 5 no such queue.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, help_text: str, func: Any, queue: bool = True,
                task_id: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text,
                           parents=[common_options(True)])
        if queue:
            p.add_argument("queue", help="queue name")
        if task_id:
            p.add_argument("id", help="task id (unique in its queue)")
        p.set_defaults(func=func)
        return p

    def payload(p: argparse.ArgumentParser) -> None:
        p.add_argument("--info", type=_json_arg, default=None, help="info as JSON, e.g. '{\"a\":1}'")
        src = p.add_mutually_exclusive_group()
        src.add_argument("--content", help="content given as UTF-8 text")
        src.add_argument("--content-file", metavar="PATH",
                         help="read the content (binary) from PATH, or stdin when '-'")

    p = command("put", "queue a task (prints whether it was created)", _cmd_put, task_id=True)
    payload(p)
    p.add_argument("--forward-result-to", metavar="QUEUE",
                   help="put the reply into QUEUE as a task with the same id")
    p.add_argument("--cache-result-time", type=float, help="seconds the result stays cached")
    p.add_argument("--max-attempts", type=int, help="deliveries before dead-lettering (0: unlimited)")
    p.add_argument("--dead-letter-to", metavar="QUEUE", help="where exhausted tasks go")
    p.add_argument("--delay", type=float, help="seconds before the task becomes visible")

    p = command("call", "put a task and wait for its result", _cmd_call, task_id=True)
    payload(p)
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds to wait for the result (default 10; 0: only check)")
    p.add_argument("--cache-result-time", type=float, help="seconds the result stays cached")
    p.add_argument("--content-out", metavar="PATH",
                   help="write the result's raw content to PATH ('-': stdout, no JSON)")

    p = command("peek", "show pending tasks after a cursor (no content, no state change)", _cmd_peek)
    p.add_argument("--cursor", help="start after this cursor (default: queue start)")
    p.add_argument("--size", type=int, default=10, help="tasks to show (default 10)")
    p.add_argument("--timeout", type=float, default=0, help="long-poll seconds (default 0)")
    p.add_argument("--batch-window", type=float, default=0, help="seconds to let the batch fill")

    p = command("take", "lease pending tasks and show them with content", _cmd_take)
    p.add_argument("--size", type=int, default=1, help="tasks to take (default 1)")
    p.add_argument("--timeout", type=float, default=0, help="long-poll seconds (default 0)")
    p.add_argument("--promise-reply-time", type=float, default=30,
                   help="lease seconds; 0 deletes the tasks on take (default 30)")
    p.add_argument("--batch-window", type=float, default=0, help="seconds to let the batch fill")

    p = command("acquire", "lease the given pending tasks by id", _cmd_acquire)
    p.add_argument("ids", nargs="+", metavar="ID", help="task ids")
    p.add_argument("--promise-reply-time", type=float, default=30, help="lease seconds (default 30)")

    p = command("reply", "complete a task with a result", _cmd_reply, task_id=True)
    payload(p)

    p = command("touch", "extend the lease of a task", _cmd_touch, task_id=True)
    p.add_argument("--promise-reply-time", type=float, default=30,
                   help="new lease seconds from now (default 30)")

    command("remove", "remove a task in any state", _cmd_remove, task_id=True)
    command("clear", "delete a queue and all its tasks", _cmd_clear)
    command("stat", "show a queue's figures", _cmd_stat)

    p = command("list", "list queue names (all pages unless --cursor/--page)", _cmd_list, queue=False)
    p.add_argument("--cursor", help="page cursor from a previous --page listing")
    p.add_argument("--size", type=int, default=100, help="names per page (default 100)")
    p.add_argument("--page", action="store_true", help="show one page and the next cursor")

    command("health", "check /healthz, /readyz and /version", _cmd_health, queue=False)

    command("pause", "stop take and acquire from leasing (put, peek, call go on)", _cmd_pause)
    command("resume", "let take and acquire lease again", _cmd_resume)
    p = command("limit", "set a queue's limits (0 removes one; no option: show them)", _cmd_limit)
    p.add_argument("--max-leased", type=int, metavar="N",
                   help="at most N tasks leased at once over all consumers")
    p.add_argument("--rate", type=float, metavar="R", help="at most R leases per second")
    p.add_argument("--burst", type=float, metavar="B",
                   help="leases the bucket saves up (default max(1, rate); needs --rate)")

    p = command("redrive", "move dead-lettered tasks of QUEUE back to their source queue",
                _cmd_redrive)
    p.add_argument("ids", nargs="*", metavar="ID", help="task ids (default: the oldest --size)")
    p.add_argument("--size", type=int, default=100, help="tasks to look at (default 100)")

    p = command("get", "show one task: state, attempt, age, result", _cmd_get, task_id=True)
    p.add_argument("--with-content", action="store_true", help="include the task's content")

    p = command("tasks", "list a queue's tasks (all pages unless --cursor/--page)", _cmd_tasks)
    p.add_argument("--state", choices=("pending", "delayed", "leased", "done"),
                   help="only the tasks in this state")
    p.add_argument("--cursor", help="page cursor from a previous --page listing")
    p.add_argument("--size", type=int, default=100, help="tasks per page (default 100)")
    p.add_argument("--page", action="store_true", help="show one page and the next cursor")

    p = command("watch", "print a task's progress events as they come, then its result "
                "(one JSON object per line)", _cmd_watch, task_id=True)
    p.add_argument("--after", type=int, default=0,
                   help="only events with a seq above this (resume a broken watch)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds to follow the task (default 60; exit 3 when it runs out)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of taskcenter-cli; returns the exit status."""
    args = build_parser().parse_args(argv)
    out = _Output(args.table)
    try:
        with TaskCenter(args.url, token=args.token, timeout=args.http_timeout) as tc:
            return int(args.func(tc, args, out))
    except CallTimeout as exc:
        print("taskcenter-cli: call timed out: %s" % exc.message, file=sys.stderr)
        return EXIT_CALL_TIMEOUT
    except TaskCenterError as exc:
        print("taskcenter-cli: error: %s" % exc, file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # --content-file / --content-out
        print("taskcenter-cli: error: %s" % exc, file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
