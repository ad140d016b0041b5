"""Coverage instrumentation for a harness run as a program, and none when it is imported.

libFuzzer is guided by the coverage of the code under test, which atheris adds to modules as
they are imported: a harness imports pyvswitch inside `instrumented_when_main(__name__)`, so
`python -m fuzz.<harness>` instruments pyvswitch (and nothing else, which would make start-up
slow), while tests importing the harness get the plain modules.
"""
from __future__ import annotations

import contextlib


def instrumented_when_main(module_name: str):
    if module_name != "__main__":
        return contextlib.nullcontext()
    import atheris
    return atheris.instrument_imports(include=["pyvswitch"])
