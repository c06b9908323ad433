"""Shrinks a differing operation sequence and prints it as curl commands.

Shrinking is delta debugging (ddmin, complements only): remove a chunk of operations,
re-run the rest from fresh state, keep the removal if the deployments still differ; halve
the chunks when no removal works, down to single operations. Operations after the one that
differs are dropped at once. The audit at the end of every run stays.
"""

import json
import time

from deployments import DESCRIPTIONS
from lockstep import Difference


def _attempt(runner, queues, ops):
    try:
        runner.run(queues, ops)
        return None
    except Difference as diff:
        return diff


def _cut(ops, diff):
    """ops up to and including the differing one (the audit is not part of ops)."""
    return ops[:diff.op_no + 1] if diff.op_no < len(ops) else ops


def shrink(runner, queues, ops, diff, seconds, log=print):
    """(smallest ops found, its Difference, finished) within about `seconds`."""
    deadline = time.monotonic() + seconds
    current, best = _cut(ops, diff), diff
    chunks = 2
    while len(current) >= 1 and time.monotonic() < deadline:
        size = max(1, -(-len(current) // chunks))
        removed = False
        for start in range(0, len(current), size):
            if time.monotonic() >= deadline:
                break
            candidate = current[:start] + current[start + size:]
            found = _attempt(runner, queues, candidate)
            if found is not None:
                current, best = _cut(candidate, found), found
                chunks = max(chunks - 1, 2)
                removed = True
                log(f"  shrink: {len(current)} ops still differ")
                break
        if not removed:
            if size == 1:
                return current, best, True
            chunks = min(chunks * 2, len(current))
    return current, best, not current


def _shell_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def _request_lines(number, req, captures, capture_of):
    if "sleep" in req:
        return [f"sleep {req['sleep']}"], []
    if "restart" in req:
        how = "kill -9" if req["restart"] else "kill -TERM (it must exit 0)"
        return [f"# restart every taskcenter: {how}, then start it again on the same "
                "--data-dir or Redis (deployment a, memory only, is not restarted)"], []
    payload = dict(req["payload"])
    for field in req["subst"]:
        payload[field] = "__SUBST__"
    body = _shell_quote(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    for value in req["subst"].values():
        body = body.replace('"__SUBST__"', "\"'\"$" + capture_of(value) + "\"'\"", 1)
    url = f"http://127.0.0.1:{8000 + req['instance']}{req['path']}"
    wanted = [(expr, var) for (n, expr), var in captures.items() if n == number]
    capture = [f"{var}=$(printf '%s' \"$R{number}\" | python3 -c "
               f"'import json,sys; print(json.load(sys.stdin){expr})')" for expr, var in wanted]
    if req["background"]:
        # The waiting side: its answer is read after `wait`.
        out = f"/tmp/tc-diff-R{number}.json"
        return ([f"curl -s {url} -d {body} > {out} &", "sleep 0.5  # let it start waiting"],
                ["wait", f"R{number}=$(cat {out}); echo \"$R{number}\""] + capture)
    if not wanted:
        return [f"curl -s {url} -d {body}; echo"], []
    return [f"R{number}=$(curl -s {url} -d {body}); echo \"$R{number}\""] + capture, []


def render(seed, ops, diff, deployments_used, skips):
    """The reproduction: curl commands, pauses, and each deployment's answer to the op."""
    names = [n for n, _ in diff.groups()]
    # Render the requests as the smallest group of agreeing deployments got them: with two
    # instances (d, e) the requests alternate between ports 8000 and 8001.
    minority = min(names, key=len)[0]
    session = diff.sessions[minority]
    two = len(session.dep.urls) > 1
    requests = session.requests

    captures = {}  # (request number, expr) -> shell variable

    def capture_of(subst_value):
        if isinstance(subst_value, tuple):
            number, expr = subst_value[1], '["cursor"]'
        else:
            number, expr = session.origins[subst_value]
        key = (number, expr)
        if key not in captures:
            captures[key] = f"C{number}_{len(captures)}"
        return captures[key]

    # First pass: which answers must be captured.
    for req in requests:
        for value in req.get("subst", {}).values():
            capture_of(value)

    lines = [
        f"# differential test, seed {seed}; deployments: "
        + ", ".join(f"{n} = {DESCRIPTIONS[n]}" for n in deployments_used),
        f"# skipped known findings: {', '.join(sorted(skips)) or 'none'}",
        "# Start from an empty server on 127.0.0.1:8000"
        + (" (and a second instance on :8001 sharing its Redis)" if two else "") + ".",
        "# Cursors are captured from earlier answers (python3 reads the JSON).",
    ]
    by_op = {}
    for number, req in enumerate(requests):
        by_op.setdefault(req["op"], []).append((number, req))
    # Audit reads that agreed are left out: read-only, and no cursor is taken from them.
    for op_no in list(range(len(ops))) + ([diff.op_no] if diff.op_no >= len(ops) else []):
        op = ops[op_no] if op_no < len(ops) else None
        lines.append(f"# op {op_no}: {op['kind'] if op else 'audit'}")
        after = []
        for number, req in by_op.get(op_no, []):
            now, later = _request_lines(number, req, captures, capture_of)
            lines.extend(now)
            after.extend(later)
        lines.extend(line for i, line in enumerate(after) if line != "wait" or i == 0)
        if op and op.get("wait_after"):
            lines.append(f"sleep {op['wait_after']}")
    lines.append("")
    lines.append(f"# operation {diff.op_no} differs "
                 f"({'audit' if diff.op_no >= len(ops) else diff.op['kind']}); answers, with "
                 "cursors as symbols (opN.itemK: item K of op N's answer):")
    for group, obs in diff.groups():
        lines.append(f"#   {group}: {json.dumps(obs, ensure_ascii=False, sort_keys=True)}")
    lines.append(f"# deployments grouped by answer: {' | '.join(names)}")
    return "\n".join(lines)
