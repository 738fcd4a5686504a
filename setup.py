"""Build the optional C speed-ups (matching key, the matcher's hit loops, CSV rows).

Each has a pure-Python reference that runs where no C compiler is present, with identical results.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("risksignals.signals._keysteps", ["risksignals/signals/_keysteps.c"], optional=True),
        Extension("risksignals.signals._hits", ["risksignals/signals/_hits.c"], optional=True),
        Extension("risksignals._csvrows", ["risksignals/_csvrows.c"], optional=True),
    ],
)
