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


def render(seed, ops, diff, deployments_used, skips):
    """The reproduction: curl commands, pauses, and each deployment's answer to the op."""
    names = [n for n, _ in diff.groups()]
    # Render the requests as the smallest group of agreeing deployments got them: with two
    # instances (d, e) the requests alternate between ports 8000 and 8001.
    minority = min(names, key=len)[0]
    session = diff.sessions[minority]
    two = len(session.dep.urls) > 1
    requests = session.requests
    all_ops = list(ops) + [None] * 1000

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
        for value in req["subst"].values():
            capture_of(value)

    lines = [
        f"# differential test, seed {seed}; deployments: "
        + ", ".join(f"{n} = {DESCRIPTIONS[n]}" for n in deployments_used),
        f"# skipped known findings: {', '.join(sorted(skips)) or 'none'}",
        "# Start from an empty server on 127.0.0.1:8000"
        + (" (and a second instance on :8001 sharing its Redis)" if two else "") + ".",
        "# Cursors are captured from earlier answers (python3 reads the JSON).",
    ]
    current_op = None
    background = False
    for number, req in enumerate(requests):
        if req["op"] >= len(ops) and req["op"] != diff.op_no:
            continue  # an audit read that agreed: read-only, and no cursor comes from it
        if req["op"] != current_op:
            if background:
                lines.append("wait")
                background = False
            if current_op is not None and current_op < len(ops) and ops[current_op].get(
                    "wait_after"):
                lines.append(f"sleep {ops[current_op]['wait_after']}")
            current_op = req["op"]
            op = all_ops[current_op]
            label = op["kind"] if op else "audit"
            lines.append(f"# op {current_op}: {label}")
        payload = dict(req["payload"])
        for field in req["subst"]:
            payload[field] = "__SUBST__"
        body = _shell_quote(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        for field, value in req["subst"].items():
            body = body.replace('"__SUBST__"', "\"'\"$" + capture_of(value) + "\"'\"", 1)
        url = f"http://127.0.0.1:{8000 + req['instance']}{req['path']}"
        wanted = [(expr, var) for (n, expr), var in captures.items() if n == number]
        if req["background"]:
            lines.append(f"( curl -s {url} -d {body}; echo ) &")
            lines.append("sleep 0.5  # let it start waiting")
            background = True
        elif wanted:
            lines.append(f"R{number}=$(curl -s {url} -d {body}); echo \"$R{number}\"")
            for expr, var in wanted:
                lines.append(f"{var}=$(printf '%s' \"$R{number}\" | python3 -c "
                             f"'import json,sys; print(json.load(sys.stdin){expr})')")
        else:
            lines.append(f"curl -s {url} -d {body}; echo")
    if background:
        lines.append("wait")
    lines.append("")
    lines.append(f"# operation {diff.op_no} differs "
                 f"({'audit' if diff.op_no >= len(ops) else diff.op['kind']}); answers, with "
                 "cursors as symbols (opN.itemK: item K of op N's answer):")
    for group, obs in diff.groups():
        lines.append(f"#   {group}: {json.dumps(obs, ensure_ascii=False, sort_keys=True)}")
    lines.append(f"# deployments grouped by answer: {' | '.join(names)}")
    return "\n".join(lines)
