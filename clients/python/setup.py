"""Shim for legacy installs without the `wheel` package (pip --no-use-pep517);
the metadata lives in pyproject.toml."""

from setuptools import setup

setup()
