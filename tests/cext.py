"""Shared by the tests of the optional C modules: each has a Python reference to agree with."""

import shutil

import pytest


def require_extension(fn, fallback, module: str):
    """The C function; a failure when it was not built although a C compiler is here."""
    if fn is fallback:
        if shutil.which("cc") or shutil.which("gcc"):
            pytest.fail(f"the C extension {module} was not built (pip install -e . builds it)")
        pytest.skip(f"no C compiler on this machine: the Python reference of {module} is in use")
    return fn
