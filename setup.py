"""Build the optional C speed-ups: the matching key and CSV output (pure Python when they cannot be built)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("risksignals.signals._keysteps", ["risksignals/signals/_keysteps.c"], optional=True),
        Extension("risksignals._csvrows", ["risksignals/_csvrows.c"], optional=True),
    ],
)
