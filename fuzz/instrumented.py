"""Coverage instrumentation for a harness run as a program, and none when it is imported.

libFuzzer is guided by the coverage of the code under test, which atheris adds to modules as
they are imported: a harness imports pyvswitch inside `instrumented_when_main(__name__)`, so
`python -m fuzz.<harness>` instruments pyvswitch (and nothing else, which would make start-up
slow), while tests importing the harness, and --write-corpus, get the plain modules.
"""
from __future__ import annotations

import contextlib
import sys


def instrumented_when_main(module_name: str):
    if module_name != "__main__" or "--write-corpus" in sys.argv:
        return contextlib.nullcontext()
    import atheris
    return atheris.instrument_imports(include=["pyvswitch"])
