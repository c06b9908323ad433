"""info round-trips byte for byte; content carries every byte value; names at the
edges of validation (unicode, 256 bytes)."""

import json
import unittest

from base import ConformanceTest, b64, unb64

# Raw JSON texts that must come back exactly as sent (spacing, number spelling,
# escapes and unicode included).
RAW_INFOS = [
    '{"a" : [1, 1.50, 1e3, -0.0, 1E-7, -9223372036854775808, 18446744073709551615],  "b":{"c":{"d":[[]]}} }',
    '"caf\\u00e9 \\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t \\ud83d\\ude00"',
    '"日本語 – emoji 😀 raw"',
    '[ true,false , null ,{ } ,[ ] ]',
    '1.50',
    '1e3',
    '-0',
    'null',
    '"  leading and trailing spaces  "',
    '{"nested":{"deeper":{"deepest":{"list":[1,{"x":"y"},[2,[3,[4]]]]}}}}',
    '{"dup":1,"dup":2}',
]


class InfoRoundTripTest(ConformanceTest):
    def raw_put(self, queue, id, raw_info):
        body = ('{"queue": %s, "id": %s, "info": %s}' % (json.dumps(queue), json.dumps(id),
                                                          raw_info))
        return self.c.post("/task/put", body)

    def test_info_is_echoed_byte_for_byte_by_peek_and_acquire(self):
        q = self.queue()
        for n, raw in enumerate(RAW_INFOS):
            with self.subTest(info=raw):
                self.assertIs(self.ok(self.raw_put(q, f"t{n}", raw)), True)
                peeked = self.c.peek(q, cursor=None, size=1000)
                self.assertIn(raw.encode("utf-8"), peeked.raw, "peek echoes info verbatim")
                got = self.c.acquire(q, [f"t{n}"], 0)
                self.assertEqual(len(self.ok(got)), 1)
                self.assertIn(raw.encode("utf-8"), got.raw, "acquire echoes info verbatim")
                self.assertEqual(got.data[0]["info"], json.loads(raw))

    def test_reply_info_is_echoed_byte_for_byte_by_call(self):
        q = self.queue()
        for n, raw in enumerate(RAW_INFOS):
            with self.subTest(info=raw):
                self.put(q, f"t{n}")
                body = '{"queue": %s, "id": "t%d", "info": %s}' % (json.dumps(q), n, raw)
                self.assertIs(self.ok(self.c.post("/task/reply", body)), True)
                resp = self.c.call(q, f"t{n}", 0)
                self.assertIn(raw.encode("utf-8"), resp.raw)
                self.assertEqual(self.ok(resp)[0]["result_info"], json.loads(raw))

    def test_forwarded_result_keeps_info_verbatim(self):
        q = self.queue()
        results = q + "-result"
        raw = RAW_INFOS[0]
        self.put(q, "a", config={"forward_result_to": results})
        body = '{"queue": %s, "id": "a", "info": %s}' % (json.dumps(q), raw)
        self.assertIs(self.ok(self.c.post("/task/reply", body)), True)
        self.assertIn(raw.encode("utf-8"), self.c.peek(results).raw)

    def test_response_is_valid_json(self):
        q = self.queue()
        for n, raw in enumerate(RAW_INFOS):
            self.raw_put(q, f"t{n}", raw)
        resp = self.c.peek(q, size=1000)
        json.loads(resp.raw.decode("utf-8"))  # raises if the server broke the JSON
        self.assertEqual([t["info"] for t in resp.data], [json.loads(r) for r in RAW_INFOS])


class ContentTest(ConformanceTest):
    def test_every_byte_value_round_trips(self):
        q = self.queue()
        blob = bytes(range(256)) * 4
        self.put(q, "bin", content=blob)
        got = self.ok(self.c.acquire(q, ["bin"], 30))
        self.assertEqual(unb64(got[0]["content"]), blob)
        self.assertEqual(got[0]["content"], b64(blob), "standard base64 with padding")
        self.ok(self.c.reply(q, "bin", content=blob[::-1]))
        res = self.ok(self.c.call(q, "bin", 0))
        self.assertEqual(unb64(res[0]["result_content"]), blob[::-1])

    def test_padding_variants(self):
        q = self.queue()
        for n, blob in enumerate([b"", b"a", b"ab", b"abc", b"abcd"]):
            self.put(q, f"p{n}", content=blob)
            got = self.ok(self.c.acquire(q, [f"p{n}"], 0))
            self.assertEqual(unb64(got[0]["content"]), blob)

    def test_large_content(self):
        q = self.queue()
        blob = bytes(range(256)) * 4096  # 1 MiB
        self.put(q, "big", content=blob)
        got = self.ok(self.c.acquire(q, ["big"], 0))
        self.assertEqual(unb64(got[0]["content"]), blob)


class NamesTest(ConformanceTest):
    def test_unicode_and_punctuation_in_names(self):
        q = self.queue("队列 ü/:{}*")
        for id in ["任务-1", "a b", "{tag}", "quote\"and\\slash", "x" * 256, "é" * 128]:
            with self.subTest(id=id):
                self.put(q, id)
                got = self.ok(self.c.acquire(q, [id], 30))
                self.assertEqual([t["id"] for t in got], [id])
                self.assertIs(self.ok(self.c.reply(q, id, info=id)), True)
                self.assertEqual(self.ok(self.c.call(q, id, 0))[0]["result_info"], id)
        self.assertIn(q, self.list_all())

    def test_queue_name_of_256_bytes(self):
        q = ("q" + self.queue())[:20].ljust(256, "z")
        self.put(q, "a")
        self.assertEqual(self.peek_ids(q), ["a"])
        self.assertEqual(self.stat(q)["length"], 1)

    def list_all(self):
        names, cursor = [], None
        while True:
            resp = self.c.list_queue(cursor=cursor, size=1000)
            names.extend(self.ok(resp))
            cursor = resp.json["cursor"]
            if cursor is None:
                return names


if __name__ == "__main__":
    unittest.main()
