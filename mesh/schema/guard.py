"""A check that crashes refuses the change and says where, instead of raising out of the gate.

A traceback out of one check hides every other finding (Buf's included), and it refuses
compatible changes without naming what it could not compare. So each unit a check works on (a
message, a golden file, a whole check) runs guarded: an unexpected exception becomes one finding
of rule GATE_CHECK_FAILED that names the file, the element and the check.
"""

from __future__ import annotations

import pathlib
import traceback
from collections.abc import Callable, Iterable
from typing import TypeVar

RULE = "GATE_CHECK_FAILED"

T = TypeVar("T")


def guarded(check: str, element: str, run: Callable[[], Iterable[T]], crashed: Callable[[str], T]) -> list[T]:
    """`run()`'s findings, or one finding made by `crashed(message)` if it raised."""
    try:
        return list(run())
    except Exception as err:  # noqa: BLE001 - fail closed, and keep the other checks' findings
        return [crashed(describe(check, element, err))]


def describe(check: str, element: str, err: BaseException) -> str:
    frames = traceback.extract_tb(err.__traceback__)
    where = f" at {pathlib.Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    detail = " ".join(str(err).split())  # one line per finding, however the error was printed
    return (
        f"the {check} check could not check {element} ({type(err).__name__}{where}: {detail}); "
        "the gate refuses what it cannot check"
    )
