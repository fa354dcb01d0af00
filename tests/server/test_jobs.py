"""Background jobs: progress, results, failures and cancellation."""

from __future__ import annotations

import threading
import time
from typing import Any

from nb2prod.server.jobs import JobCancelled, JobManager


def wait_finished(manager: JobManager, job_id: str) -> dict[str, Any]:
    for _ in range(400):
        job = manager.get(job_id)
        assert job is not None
        data = job.to_dict()
        if data["state"] not in ("queued", "running"):
            return data
        time.sleep(0.01)
    raise AssertionError("the job did not finish")


def test_a_job_reports_progress_then_its_result() -> None:
    manager = JobManager()
    release = threading.Event()

    def body(report: Any, cancel: threading.Event) -> int:
        report({"cell": 1, "total": 2})
        release.wait(5)
        return 42

    job = manager.start("repro", "nb.ipynb", body)
    for _ in range(200):
        if job.to_dict()["progress"]:
            break
        time.sleep(0.01)
    assert job.to_dict()["state"] == "running"
    assert job.to_dict()["progress"] == {"cell": 1, "total": 2}
    release.set()
    done = wait_finished(manager, job.job_id)
    assert done["state"] == "done" and done["result"] == 42 and done["finished"] is not None
    manager.shutdown()


def test_a_failing_job_is_reported_not_raised() -> None:
    manager = JobManager()

    def body(report: Any, cancel: threading.Event) -> None:
        raise RuntimeError("kernel died")

    job = manager.start("repro", "nb.ipynb", body)
    done = wait_finished(manager, job.job_id)
    assert done["state"] == "failed" and done["error"] == "RuntimeError: kernel died"
    manager.shutdown()


def test_cancel_sets_the_event_and_the_job_ends_cancelled() -> None:
    manager = JobManager()

    def body(report: Any, cancel: threading.Event) -> None:
        while not cancel.wait(0.01):
            pass
        raise JobCancelled()

    job = manager.start("repro", "nb.ipynb", body)
    time.sleep(0.05)
    assert manager.cancel(job.job_id) is job
    assert wait_finished(manager, job.job_id)["state"] == "cancelled"
    assert manager.cancel("nope") is None and manager.get("nope") is None
    manager.shutdown()


def test_old_finished_jobs_are_forgotten() -> None:
    manager = JobManager(keep=2)
    ids = []
    for _ in range(5):
        job = manager.start("repro", "nb.ipynb", lambda report, cancel: None)
        wait_finished(manager, job.job_id)
        ids.append(job.job_id)
    manager.start("repro", "nb.ipynb", lambda report, cancel: None)
    assert manager.get(ids[0]) is None
    assert manager.get(ids[-1]) is not None
    manager.shutdown()
