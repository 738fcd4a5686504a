"""Build the optional C speed-up for the matching key (pure-Python fallback when it cannot)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("risksignals.signals._keysteps", ["risksignals/signals/_keysteps.c"], optional=True),
    ],
)
