"""Run independent jobs in this process, in a pool of processes, or on a Dask distributed cluster."""

from __future__ import annotations

import functools
import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from nb2prod.errors import UsageError

__all__ = ["run_jobs"]

Argument = TypeVar("Argument")
Result = TypeVar("Result")


def _context() -> Any:
    # fork starts workers in milliseconds and inherits the imports already made; the parent has
    # started no kernel and no event loop at this point, so there is nothing unsafe to inherit.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def run_jobs(
    function: Callable[[Argument], Result],
    arguments: Sequence[Argument],
    *,
    jobs: int = 1,
    dask_address: str | None = None,
) -> Iterator[tuple[int, Result | BaseException]]:
    """Yield ``(position, result)`` as jobs finish; a job that raises yields its exception."""
    if dask_address is not None:
        yield from _run_on_dask(function, arguments, dask_address)
        return
    if jobs <= 1 or len(arguments) <= 1:
        for position, argument in enumerate(arguments):
            try:
                yield position, function(argument)
            except Exception as error:  # reported as that job's result
                yield position, error
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    executor = ProcessPoolExecutor(max_workers=min(jobs, len(arguments)), mp_context=_context())
    try:
        futures = {
            executor.submit(function, argument): position
            for position, argument in enumerate(arguments)
        }
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except Exception as error:  # a worker that died is that job's failure
                yield futures[future], error
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _in_fresh_thread(function: Callable[[Argument], Result], argument: Argument) -> Result:
    """Run ``function`` in a new thread: Dask's reused worker threads may hold another event loop,
    and nbclient needs one of its own."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function(argument)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def _run_on_dask(
    function: Callable[[Argument], Result], arguments: Sequence[Argument], address: str
) -> Iterator[tuple[int, Result | BaseException]]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError(
            "--dask needs the 'distributed' package: pip install 'nb2prod[dask]'"
        ) from None
    try:
        client = Client(address, timeout="10s", set_as_default=False)  # type: ignore[no-untyped-call]
    except Exception as error:  # any connection failure is a usage problem
        raise UsageError(f"cannot connect to the Dask scheduler at {address}: {error}") from None
    try:
        futures = client.map(
            functools.partial(_in_fresh_thread, function), list(arguments), pure=False
        )
        positions = {future.key: position for position, future in enumerate(futures)}
        for future in as_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]
            try:
                yield positions[future.key], future.result()
            except Exception as error:
                yield positions[future.key], error
    finally:
        client.close()  # type: ignore[no-untyped-call]
