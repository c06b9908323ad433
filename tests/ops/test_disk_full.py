"""A full disk, for real: the embedded store's data directory on a 6 MiB tmpfs. Puts
fail with 0005 and change nothing, /readyz turns 503 and stays so until a write
succeeds again, the failure is logged once (then rate limited) and counted.

Needs root (mount -t tmpfs); skipped otherwise.
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from client import Client  # noqa: E402
from harness import ServerProcess  # noqa: E402


def mount_tmpfs(path, size):
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                          capture_output=True)
    return done.returncode == 0


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.mountpoint = tempfile.mkdtemp(prefix="tc-diskfull-")
        if not mount_tmpfs(self.mountpoint, "6m"):
            os.rmdir(self.mountpoint)
            self.skipTest("cannot mount a tmpfs (needs root)")
        self.addCleanup(self.unmount)

    def unmount(self):
        subprocess.run(["umount", self.mountpoint], check=False)
        os.rmdir(self.mountpoint)

    def test_a_full_disk_makes_the_server_not_ready_until_a_write_succeeds(self):
        data = os.path.join(self.mountpoint, "data")
        server = ServerProcess(extra_args=["--data-dir", data, "--fsync", "always"]).start()
        try:
            c = Client([server.url])
            # Leave about 1 MiB besides the log's first segment, then fill it.
            st = os.statvfs(self.mountpoint)
            free = st.f_bavail * st.f_frsize
            filler = os.path.join(self.mountpoint, "filler")
            with open(filler, "wb") as f:
                f.write(b"\0" * max(0, free - (1 << 20)))
            content = os.urandom(200_000)
            created, failed = [], None
            for i in range(200):
                r = c.put("full", f"t{i}", content=content)
                if r.err_code != "0000":
                    failed = (i, r)
                    break
                created.append(f"t{i}")
            self.assertIsNotNone(failed, "the disk never filled")
            self.assertEqual(failed[1].err_code, "0005", failed[1])
            self.assertEqual(failed[1].status, 503)
            self.assertEqual(c.get("/readyz").status, 503)
            # Nothing was changed by the failed put, and reads still work.
            stats = c.post("/task/stat_queue", {"queue": "full"}).data
            self.assertEqual(stats["length"], len(created))
            r = c.put("full", "again", content=content)
            self.assertEqual(r.err_code, "0005")
            metrics = c.get("/metrics").text
            self.assertRegex(metrics, r'\ntaskcenter_store_errors_total\{kind="write"\} [2-9]')
            self.assertIn("\ntaskcenter_store_ready 0\n", metrics)
            # Space returns: still not ready until a write proves it.
            os.remove(filler)
            self.assertEqual(c.get("/readyz").status, 503)
            self.assertEqual(c.put("full", "after", content=b"x").err_code, "0000")
            self.assertEqual(c.get("/readyz").status, 200)
            c.close()
        finally:
            server.terminate()
        log = server.log()
        self.assertEqual(log.count("the log cannot be written; not ready"), 1, log)
        self.assertEqual(log.count("the log can be written again"), 1, log)
        server.close()


if __name__ == "__main__":
    unittest.main()
