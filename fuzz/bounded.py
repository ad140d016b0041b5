"""A bounded, seeded mutation loop: a short fuzz run that needs no libFuzzer.

The pytest tier and machines without atheris run a harness's `check` through `run`: for a
fixed time it takes a seed, applies one to four random byte-level mutations (bit flips,
interesting integers at any offset, inserted, deleted or duplicated ranges, splices with
another seed, dictionary tokens, truncation) and calls `check`.  A random.Random seeded by the
caller picks everything, so a run's inputs repeat for a given seed, time aside.

`check` must return for inputs the harness accepts and raise for a broken contract; `run`
collects each distinct failure (exception type, the file:line that raised it and the
exception's own `signature` attribute, if any) once, with the input shrunk by `minimize`.
"""
from __future__ import annotations

import dataclasses
import random
import time
import traceback
from typing import Callable, Sequence

_INTERESTING = (0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF,
                0x80000000, 0xFFFFFFFF)
_MAX_LEN = 4096


@dataclasses.dataclass
class Failure:
    data: bytes
    error: BaseException
    where: str          # "file:line" of the innermost frame of the exception

    def report(self) -> str:
        return "%s at %s on input %s" % (type(self.error).__name__ + ": " + str(self.error)[:200],
                                         self.where, self.data.hex())


@dataclasses.dataclass
class Result:
    executions: int
    seconds: float
    failures: list[Failure]


def _where(error: BaseException) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return "%s:%d" % (frame.filename, frame.lineno)


def signature(error: BaseException) -> tuple:
    """What tells one crash from another: exception type, where it was raised, its own
    `signature` attribute."""
    return type(error), _where(error), getattr(error, "signature", None)


def mutate(rng: random.Random, data: bytes, seeds: Sequence[bytes],
           tokens: Sequence[bytes] = ()) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(9 if tokens else 8)
        at = rng.randrange(len(buf) + 1)
        if choice == 0 and buf:
            index = rng.randrange(len(buf))
            buf[index] ^= 1 << rng.randrange(8)
        elif choice == 1 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif choice == 2:
            width = rng.choice((1, 2, 4))
            value = rng.choice(_INTERESTING) & ((1 << 8 * width) - 1)
            buf[at:at + width] = value.to_bytes(width, "big")
        elif choice == 3:
            buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif choice == 4 and buf:
            del buf[at:at + rng.randint(1, 16)]
        elif choice == 5 and buf:
            start = rng.randrange(len(buf))
            buf[at:at] = buf[start:start + rng.randint(1, 16)]
        elif choice == 6:
            other = rng.choice(seeds)
            start = rng.randrange(len(other) + 1)
            buf[at:] = other[start:start + rng.randint(0, 64)]
        elif choice == 7:
            del buf[rng.randrange(len(buf) + 1):]
        elif choice == 8:
            buf[at:at] = rng.choice(tokens)
    return bytes(buf[:_MAX_LEN])


def minimize(check: Callable[[bytes], None], data: bytes, crash: tuple,
             budget: int = 2000) -> bytes:
    """A shorter input that still fails `check` the same way: drop ranges, halving their size."""
    def fails(candidate: bytes) -> bool:
        try:
            check(candidate)
        except Exception as error:  # noqa: BLE001 - any escape is what we are shrinking
            return signature(error) == crash
        return False

    size = max(1, len(data) // 2)
    while size >= 1 and budget > 0:
        at = 0
        while at < len(data) and budget > 0:
            candidate = data[:at] + data[at + size:]
            budget -= 1
            if fails(candidate):
                data = candidate
            else:
                at += size
        size //= 2
    return data


def run(check: Callable[[bytes], None], seeds: Sequence[bytes], seconds: float,
        rng_seed: int = 0, tokens: Sequence[bytes] = ()) -> Result:
    """Every seed once, then mutations of random seeds until `seconds` have passed."""
    rng = random.Random(rng_seed)
    seeds = list(seeds) or [b""]
    failures: dict[tuple, Failure] = {}
    start = time.monotonic()
    executions = 0
    pending = iter(seeds)
    while True:
        data = next(pending, None)
        if data is None:
            if time.monotonic() - start >= seconds:
                break
            data = mutate(rng, rng.choice(seeds), seeds, tokens)
        executions += 1
        try:
            check(data)
        except Exception as error:  # noqa: BLE001 - a harness's contract names what may pass
            crash = signature(error)
            if crash not in failures:
                small = minimize(check, data, crash)
                try:
                    check(small)
                except Exception as again:  # noqa: BLE001
                    error = again
                failures[crash] = Failure(small, error, _where(error))
    return Result(executions, time.monotonic() - start, list(failures.values()))

