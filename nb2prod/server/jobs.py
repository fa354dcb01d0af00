"""Background jobs (reproducibility checks) with progress reports and cancellation."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Job", "JobCancelled", "JobManager", "JobState"]

JobState = Literal["queued", "running", "done", "failed", "cancelled"]

# A job's body: it reports progress through the first callable and polls the event to stop early.
JobBody = Callable[[Callable[[dict[str, Any]], None], threading.Event], Any]


class JobCancelled(Exception):
    """Raised by a job body that noticed its cancel event."""


@dataclass
class Job:
    """One background job; ``progress`` holds the latest report from its body."""

    job_id: str
    kind: str
    path: str
    state: JobState = "queued"
    progress: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "id": self.job_id,
                "kind": self.kind,
                "path": self.path,
                "state": self.state,
                "progress": dict(self.progress),
                "result": self.result,
                "error": self.error,
                "started": self.started,
                "finished": self.finished,
            }


class JobManager:
    """Runs job bodies on a small thread pool; finished jobs are kept until ``keep`` newer ones exist."""

    def __init__(self, workers: int = 2, keep: int = 50) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nb2prod-job")
        self._jobs: dict[str, Job] = {}
        self._keep = keep
        self._lock = threading.Lock()

    def start(self, kind: str, path: str, body: JobBody) -> Job:
        job = Job(uuid.uuid4().hex, kind, path)
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_old()
        self._executor.submit(self._run, job, body)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> Job | None:
        job = self.get(job_id)
        if job is None:
            return None
        job.cancel_event.set()
        with job.lock:
            if job.state == "queued":
                job.state = "cancelled"
                job.finished = time.time()
        return job

    def shutdown(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel_event.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: Job, body: JobBody) -> None:
        with job.lock:
            if job.state == "cancelled":
                return
            job.state = "running"

        def report(progress: dict[str, Any]) -> None:
            with job.lock:
                job.progress = dict(progress)

        try:
            result = body(report, job.cancel_event)
        except JobCancelled:
            state: JobState = "cancelled"
            result, error = None, None
        except Exception as failure:  # a failed job is reported, never raised into the pool
            state, result, error = "failed", None, f"{type(failure).__name__}: {failure}"
        else:
            state, error = ("cancelled" if job.cancel_event.is_set() else "done"), None
        with job.lock:
            job.state, job.result, job.error, job.finished = state, result, error, time.time()

    def _forget_old(self) -> None:
        finished = [job for job in self._jobs.values() if job.finished is not None]
        for job in sorted(finished, key=lambda item: item.started)[
            : max(0, len(finished) - self._keep)
        ]:
            del self._jobs[job.job_id]
