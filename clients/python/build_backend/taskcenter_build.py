"""A PEP 517 / PEP 660 build backend for this package, in the source tree, standard
library only.

Why: pip builds in an isolated environment and first installs the backend the
project names (setuptools, flit_core, ...) from a package index. Offline, that fails,
even when the same backend is installed on the machine. A backend that lives in the
tree and requires nothing (`requires = []`, `backend-path`) lets a plain
`pip install clients/python` work with no index at all, on any pip >= 19.

The package is pure Python with no build step: a wheel is the `taskcenter/` folder,
the metadata from pyproject.toml, and the console script.
"""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

try:  # Python >= 3.11
    import tomllib as _toml
except ImportError:  # pragma: no cover - Python < 3.11 reads the few keys by hand
    _toml = None

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGE = "taskcenter"


def _project():
    path = os.path.join(_ROOT, "pyproject.toml")
    if _toml is not None:
        with open(path, "rb") as f:
            return _toml.load(f)["project"]
    return _read_project_by_hand(path)


def _read_project_by_hand(path):
    """The [project] keys this backend uses, from the simple TOML this file holds."""
    project, scripts, section = {}, {}, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if "=" not in line or line.startswith("#"):
                continue
            key, value = (part.strip() for part in line.split("=", 1))
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            if section == "project":
                project[key] = value
            elif section == "project.scripts":
                scripts[key] = value
    project["scripts"] = scripts
    return project


def _metadata(project):
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + project["name"],
        "Version: " + project["version"],
        "Summary: " + project.get("description", ""),
        "Requires-Python: " + project.get("requires-python", ">=3.8"),
        "License: MIT",
        "Description-Content-Type: text/markdown",
    ]
    readme = os.path.join(_ROOT, "README.md")
    body = ""
    if os.path.exists(readme):
        with open(readme, encoding="utf-8") as f:
            body = f.read()
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


def _dist_info(project):
    return "{}-{}.dist-info".format(project["name"], project["version"])


def _wheel_name(project):
    return "{}-{}-py3-none-any.whl".format(project["name"], project["version"])


def _package_files():
    base = os.path.join(_ROOT, _PACKAGE)
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(folder, name)
            yield full, os.path.relpath(full, _ROOT).replace(os.sep, "/")


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "{},sha256={},{}".format(arcname, digest, len(data))


def _write_wheel(wheel_directory, project, payload):
    """payload: list of (arcname, bytes) beside the package; returns the wheel's name."""
    dist_info = _dist_info(project)
    scripts = project.get("scripts", {})
    meta_files = [
        (dist_info + "/METADATA", _metadata(project)),
        (dist_info + "/WHEEL",
         b"Wheel-Version: 1.0\nGenerator: taskcenter_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    if scripts:
        text = "[console_scripts]\n" + "".join(
            "{} = {}\n".format(k, v) for k, v in sorted(scripts.items()))
        meta_files.append((dist_info + "/entry_points.txt", text.encode()))
    name = _wheel_name(project)
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as whl:
        for arcname, data in payload + meta_files:
            # A fixed date: the same sources give the same wheel.
            info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            whl.writestr(info, data, zipfile.ZIP_DEFLATED)
            records.append(_record_line(arcname, data))
        records.append(dist_info + "/RECORD,,")
        info = zipfile.ZipInfo(dist_info + "/RECORD", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        whl.writestr(info, "\n".join(records) + "\n")
    return name


# --- PEP 517 hooks ---

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    project = _project()
    dist_info = os.path.join(metadata_directory, _dist_info(project))
    os.makedirs(dist_info, exist_ok=True)
    with open(os.path.join(dist_info, "METADATA"), "wb") as f:
        f.write(_metadata(project))
    return os.path.basename(dist_info)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    payload = []
    for full, arcname in _package_files():
        with open(full, "rb") as f:
            payload.append((arcname, f.read()))
    return _write_wheel(wheel_directory, _project(), payload)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """PEP 660: a wheel holding one .pth file that puts the source tree on sys.path."""
    project = _project()
    pth = (_ROOT + "\n").encode()
    return _write_wheel(wheel_directory, project, [("_taskcenter_editable.pth", pth)])


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    base = "{}-{}".format(project["name"], project["version"])
    name = base + ".tar.gz"
    entries = [("pyproject.toml", os.path.join(_ROOT, "pyproject.toml")),
               ("README.md", os.path.join(_ROOT, "README.md")),
               ("build_backend/taskcenter_build.py", os.path.abspath(__file__))]
    entries += [(arc, full) for full, arc in _package_files()]
    pkg_info = _metadata(project)
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for arcname, full in entries:
            if os.path.exists(full):
                tar.add(full, arcname=base + "/" + arcname)
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size = len(pkg_info)
        tar.addfile(info, io.BytesIO(pkg_info))
    return name
