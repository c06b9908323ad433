"""Queue names of every valid shape (1..256 bytes of UTF-8) are queues like any other:
on Redis Cluster each gets exactly one slot, and forwards to such names arrive."""

import unittest

import harness
from base import ConformanceTest


def awkward_names():
    tag = harness.unique("")[1:]  # 12 hex digits: names stay unique per run
    return [
        "}" + tag, "{a}" + tag, "x}y" + tag, "}", "{" + tag + "}", tag + "%7D", "%" + tag,
        "\u00e9t\u00e9}" + tag, "\u2603" + tag,
        "}" * (256 - len(tag)) + tag,
        tag + "}" * (256 - len(tag)),
    ]


class NameTest(ConformanceTest):
    def test_every_shape_of_queue_name_is_one_queue(self):
        names = awkward_names()
        target = "}f" + harness.unique("")
        for i, name in enumerate(names):
            self.assertLessEqual(len(name.encode()), 256)
            self.ok(self.c.clear_queue(name))  # "}" is shared between runs
            id = f"t{i}"
            self.put(name, id, config={"forward_result_to": target})
            self.assertIs(self.ok(self.c.put(name, id)), False, name)
            self.assertEqual(self.peek_ids(name), [id], name)
            got = self.ok(self.c.take(name, 30))
            self.assertEqual([t["id"] for t in got], [id], name)
            self.assertIs(self.ok(self.c.touch(name, id, 30)), True, name)
            self.assertIs(self.ok(self.c.reply(name, id, info=name)), True, name)
            self.assertEqual(self.stat(name)["leased"], 0, name)
        forwarded = self.peek_all(target)
        self.assertEqual(sorted(t["info"] for t in forwarded), sorted(names))
        for name in names:
            self.ok(self.c.clear_queue(name))
        self.ok(self.c.clear_queue(target))


if __name__ == "__main__":
    unittest.main()
