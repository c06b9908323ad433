"""The Python client builds and installs with plain pip and no package index: a wheel is
built, installed into a fresh virtual environment, and its command runs."""

import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIENT = os.path.join(ROOT, "clients", "python")
# An index that answers nothing: any download attempt fails at once.
OFFLINE = dict(os.environ, PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_RETRIES="0",
               PIP_TIMEOUT="2", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")


class PythonWheelTest(unittest.TestCase):
    def test_wheel_builds_and_installs_offline(self):
        out = os.environ.get("TC_WHEEL_DIR") or tempfile.mkdtemp(prefix="tc-wheel-")
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tc-venv-") as venv:
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
            pip = os.path.join(venv, "bin", "pip")
            subprocess.run([pip, "wheel", "--no-deps", "-w", out, CLIENT], check=True, env=OFFLINE)
            wheels = [f for f in os.listdir(out) if f.startswith("taskcenter-") and f.endswith(".whl")]
            self.assertEqual(len(wheels), 1, wheels)
            wheel = os.path.join(out, wheels[0])
            names = zipfile.ZipFile(wheel).namelist()
            self.assertIn("taskcenter/client.py", names)
            self.assertIn("taskcenter/py.typed", names)
            self.assertTrue(any(n.endswith(".dist-info/RECORD") for n in names))
            subprocess.run([pip, "install", "--no-index", wheel], check=True, env=OFFLINE)
            cli = os.path.join(venv, "bin", "taskcenter-cli")
            done = subprocess.run([cli, "--help"], capture_output=True, text=True, check=True)
            self.assertIn("usage: taskcenter-cli", done.stdout)
            # And the plain source install, the command the README gives.
            subprocess.run([pip, "install", "--force-reinstall", CLIENT], check=True, env=OFFLINE)


if __name__ == "__main__":
    unittest.main()
