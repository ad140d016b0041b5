"""Coverage instrumentation for a harness run as a program, and none when it is imported.

libFuzzer is guided by the coverage of the code under test, which atheris adds to modules as
they are imported: a harness imports pyvswitch inside `instrumented_when_main(__name__)`, so
`python -m fuzz.<harness>` instruments pyvswitch (and nothing else, which would make start-up
slow), while tests importing the harness, and --write-corpus, get the plain modules.
`run_as_program` is every harness's main: --write-corpus, or atheris on its `check`.
"""
from __future__ import annotations

import contextlib
import hashlib
import pathlib
import sys
from typing import Callable


def instrumented_when_main(module_name: str):
    if module_name != "__main__" or "--write-corpus" in sys.argv:
        return contextlib.nullcontext()
    import atheris
    return atheris.instrument_imports(include=["pyvswitch"])


def write_corpus(seeds: list[bytes], directory: pathlib.Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        (directory / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    return len(seeds)


def run_as_program(argv: list[str], check: Callable[[bytes], None],
                   seeds: Callable[[], list[bytes]], corpus: pathlib.Path) -> None:
    if argv[1:] == ["--write-corpus"]:
        print("%d seeds written to %s" % (write_corpus(seeds(), corpus), corpus))
        return
    import atheris
    atheris.Setup(argv, check)
    atheris.Fuzz()
