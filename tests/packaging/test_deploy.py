"""The deployment files stay true without a container engine (none runs on the
development and CI machines): the image builds with the scripts CI runs, and every
TASKCENTER_* setting in the Dockerfile, the compose file and the systemd unit is one
the server knows."""

import os
import re
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def binary():
    path = os.environ.get("TC_BINARY") or os.path.join(ROOT, "build", "taskcenter")
    return path if os.access(path, os.X_OK) else None


class DeployTest(unittest.TestCase):
    def test_the_image_is_built_by_the_script_ci_runs(self):
        dockerfile = read("Dockerfile")
        stages = re.findall(r"^FROM (\S+)", dockerfile, re.M)
        self.assertGreaterEqual(len(stages), 2, "multi-stage")
        self.assertTrue(all(s.startswith("debian:12") for s in stages), stages)
        runs = " ".join(re.findall(r"^RUN (.*)$", dockerfile, re.M))
        self.assertIn("scripts/deps.sh", runs)
        self.assertIn("scripts/build-release.sh", runs)
        # CI runs scripts/test.sh, which runs the same release build.
        self.assertRegex(read("scripts", "test.sh"), r"(?m)^\s*scripts/build-release\.sh")
        self.assertTrue(os.access(os.path.join(ROOT, "scripts", "build-release.sh"), os.X_OK))

    def test_compose_has_two_instances_on_redis_with_appendonly_and_a_consumer(self):
        compose = read("docker-compose.yaml")
        self.assertEqual(len(re.findall(r"(?m)^  taskcenter-\d+:", compose)), 2)
        self.assertIn('"--appendonly", "yes"', compose)
        self.assertEqual(compose.count("TASKCENTER_REDIS_URL: redis://redis:6379/0"), 2)
        self.assertIn("deploy/echo_consumer.py", compose)
        compile(read("deploy", "echo_consumer.py"), "echo_consumer.py", "exec")

    @unittest.skipIf(binary() is None, "no server binary (TC_BINARY)")
    def test_every_setting_in_the_deployment_files_is_a_known_flag(self):
        help_text = subprocess.run([binary(), "--help"], capture_output=True, text=True,
                                   check=True).stdout
        known = set(re.findall(r"\bTASKCENTER_[A-Z_]+", help_text))
        for name in ["Dockerfile", "docker-compose.yaml", "deploy/taskcenter.service"]:
            used = set(re.findall(r"\bTASKCENTER_[A-Z_]+", read(*name.split("/"))))
            used.discard("TASKCENTER_URL")  # the example consumer's, not the server's
            self.assertTrue(used, name)
            self.assertEqual(used - known, set(), name)

    @unittest.skipIf(binary() is None, "no server binary (TC_BINARY)")
    def test_the_image_installs_every_library_the_server_loads(self):
        # The runtime stage is debian:12-slim plus the packages it names: a library the
        # binary links (say the allocator) that no listed package ships would make the image
        # fail at start, which no test here can run. ldd and dpkg say which package each
        # loaded library comes from.
        dockerfile = read("Dockerfile")
        runtime = dockerfile.split("\nFROM ", 2)[2]
        listed = set(re.findall(r"\b(lib[\w.+-]+)", runtime))
        in_every_image = {"libc6", "libgcc-s1"}
        ldd = subprocess.run(["ldd", binary()], capture_output=True, text=True, check=True).stdout
        libraries = re.findall(r"=> (/\S+)", ldd)
        self.assertTrue(libraries, ldd)
        if any(re.search(r"/lib(a|ub|l|t)san\.so", lib) for lib in libraries):
            self.skipTest("a sanitizer build: the image ships the release build")
        for library in libraries:
            owner = None
            for path in (library, os.path.realpath(library)):
                found = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
                if found.returncode == 0:
                    owner = found.stdout.split(":", 1)[0]
                    break
            self.assertIsNotNone(owner, f"{library}: no Debian package ships it")
            self.assertIn(owner, listed | in_every_image,
                          f"{library} comes from {owner}, which the image's runtime stage does not install")

    def test_the_systemd_unit_raises_the_descriptor_limit_and_drains_on_stop(self):
        unit = read("deploy", "taskcenter.service")
        self.assertIn("ExecStart=/usr/local/bin/taskcenter", unit)
        self.assertIn("KillSignal=SIGTERM", unit)
        self.assertRegex(unit, r"LimitNOFILE=\d{5,}")


if __name__ == "__main__":
    unittest.main()
