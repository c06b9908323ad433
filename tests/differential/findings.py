"""Disagreements between the deployments that this test has found (all fixed now; kept so a
by-hand run can still `--skip` the pattern to bisect, and as the record of what it found).

Each entry is a KIND that `run.py --skip KIND` passes to the generator, which then avoids
generating the pattern that shows the disagreement. The CI seeds skip exactly the kinds
listed in CI_SKIPS; when the engines agree on a kind, delete it here and in CI_SKIPS.
"""

FINDINGS = {
    "prt0-call": (
        "acquire/take with promise_reply_time 0 deletes the task; a call waiting on it answers "
        "0006 on the memory store but waits out its timeout and answers 0001 on Redis"),
    "deadletter-cache": (
        "a dead-lettered copy keeps the source task's cache_result_time on the memory store "
        "but gets the 60 s default on Redis (so a copy put with cache_result_time 0 stays "
        "cached on Redis after its reply)"),
    "forward-self-cache0": (
        "forward_result_to naming the task's own queue with cache_result_time 0 creates a "
        "new task on Redis but not on the memory store"),
    "cluster-brace-name": (
        "on Redis Cluster a queue name starting with '}' gets an empty hash tag: every request "
        "on it answers 0005, and a result forwarded to such a queue is lost"),
    "stale-task-event": (
        "with several instances (and always on Redis Cluster, where pub/sub crosses the "
        "cluster bus) the event of a task's removal or reply can reach an instance after a "
        "new call on the same id began there: the call answers 0006, or the old result, "
        "though its own task was put afterwards and is still pending"),
    "same-instant-order": (
        "tasks that become due at the same instant (redeliveries of one take or acquire, "
        "dead letters due together, delayed tasks of one put_batch) come back in lease "
        "order on the memory store but in id order on Redis"),
}

# The kinds the CI seeds skip for now. Every one names an open finding above.
# None is open: every finding above is fixed in both engines, and the CI seeds skip nothing.
# A new finding gets an entry above and its kind here until the engines agree on it.
CI_SKIPS = sorted([])


def check(kinds):
    unknown = [k for k in kinds if k not in FINDINGS]
    if unknown:
        raise SystemExit(f"unknown --skip kind(s) {unknown}; known: {sorted(FINDINGS)}")
    return set(kinds)
