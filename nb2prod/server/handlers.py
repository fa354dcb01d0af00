"""Thin, authenticated HTTP handlers: parse the request, call a library function, answer JSON.

Every error is ``{"code": ..., "message": ...}`` with a fitting HTTP status.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler

from nb2prod.errors import Nb2prodError, UsageError
from nb2prod.server import features
from nb2prod.server.features import (
    FeatureUnavailable,
    PathOutsideRootError,
    feature_function,
    feature_status,
)
from nb2prod.server.jobs import JobManager
from nb2prod.server.paths import PathOutsideRoot, resolve_under_root

__all__ = [
    "ApiError",
    "ExtractHandler",
    "ExtractPreviewHandler",
    "GraphHandler",
    "LintHandler",
    "PinHandler",
    "ReproJobHandler",
    "ReproStartHandler",
    "RuleHandler",
    "RulesHandler",
    "StatusHandler",
]

T = TypeVar("T")


class ApiError(Exception):
    """An error answered as JSON ``{code, message}`` with HTTP ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error_code(error: Nb2prodError) -> str:
    """``NotebookReadError`` -> ``notebook-read-error``."""
    name = type(error).__name__
    return "".join(f"-{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


class Nb2prodHandler(APIHandler):  # type: ignore[misc]
    """Shared plumbing: JSON errors, request bodies, paths under the root, off-loop execution."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, ApiError):
            code, message = error.code, error.message
        elif isinstance(error, tornado.web.HTTPError):
            code = {
                401: "unauthorized",
                403: "forbidden",
                404: "not-found",
                405: "method-not-allowed",
            }.get(status_code, "http-error")
            message = error.log_message or self._reason
        else:
            code, message = (
                "internal-error",
                f"internal error: {type(error).__name__}: {error}" if error else self._reason,
            )
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"code": code, "message": message}))

    def _handle_request_exception(self, error: BaseException) -> None:
        # Map library errors to statuses here, so every handler stays a plain adapter.
        if isinstance(error, ApiError):
            self.send_error(error.status, exc_info=(type(error), error, error.__traceback__))
            return
        mapped = _as_api_error(error)
        if mapped is not None:
            self.send_error(mapped.status, exc_info=(ApiError, mapped, None))
            return
        super()._handle_request_exception(error)

    def body(self) -> dict[str, Any]:
        if not self.request.body:
            return {}
        try:
            data = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiError(400, "bad-request", f"the request body is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise ApiError(400, "bad-request", "the request body must be a JSON object")
        return data

    @property
    def root_dir(self) -> str:
        return str(self.contents_manager.root_dir)

    @property
    def real_root(self) -> Path:
        return Path(self.root_dir).resolve()

    def resolve(self, api_path: object, *, must_exist: bool = True) -> Path:
        if not isinstance(api_path, str):
            raise ApiError(400, "bad-request", "'path' must be a string")
        try:
            os_path = resolve_under_root(self.root_dir, api_path)
        except PathOutsideRoot as error:
            raise ApiError(403, "path-outside-root", str(error)) from None
        if must_exist and not os_path.exists():
            raise ApiError(404, "not-found", f"no such file: {api_path}")
        return os_path

    async def off_loop(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking library code in a worker thread so the server keeps answering."""
        return await asyncio.get_running_loop().run_in_executor(
            None, partial(function, *args, **kwargs)
        )

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=_json_default))


def _json_default(value: object) -> object:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def _as_api_error(error: BaseException) -> ApiError | None:
    if isinstance(error, FeatureUnavailable):
        return ApiError(501, "not-available", str(error))
    if isinstance(error, PathOutsideRootError):
        return ApiError(403, "path-outside-root", str(error))
    if isinstance(error, UsageError):
        return ApiError(400, "usage-error", error.message)
    if isinstance(error, Nb2prodError):
        return ApiError(400, _error_code(error), str(error))
    return None


def _codes(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(400, "bad-request", f"'{name}' must be a list of rule codes")
    return [code.strip() for item in value for code in item.split(",") if code.strip()]


class StatusHandler(Nb2prodHandler):
    """GET /nb2prod/status: version and which optional features this server offers."""

    @tornado.web.authenticated
    def get(self) -> None:
        from nb2prod import __version__

        self.reply({"version": __version__, "features": feature_status()})


class LintHandler(Nb2prodHandler):
    """POST /nb2prod/lint ``{path, notebook?, select?, ignore?, ruff?}``: findings as ``nb2prod lint --format json``."""

    @tornado.web.authenticated
    async def post(self) -> None:
        from nb2prod.server.lint_service import lint_document

        body = self.body()
        api_path = body.get("path")
        document = body.get("notebook")
        if document is None:
            os_path = self.resolve(api_path)
            document = await self.off_loop(_read_json, os_path)
        else:
            os_path = self.resolve(api_path, must_exist=False)
        reply = await self.off_loop(
            lint_document,
            document,
            os_path,
            str(api_path),
            select=_codes(body.get("select"), "select") or None,
            ignore=_codes(body.get("ignore"), "ignore"),
            include_ruff=bool(body.get("ruff", False)),
        )
        self.reply(reply)


def _read_json(os_path: Path) -> object:
    """The notebook file as JSON, or its unreadable bytes as text (lint turns that into NB001)."""
    from nb2prod import notebook as notebook_io

    try:
        return json.loads(os_path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        notebook_io.read(os_path)  # raises the precise NotebookReadError
        raise
    except OSError as error:
        raise ApiError(
            400, "notebook-read-error", f"{os_path.name}: cannot read file: {error.strerror}"
        ) from None


class RulesHandler(Nb2prodHandler):
    """GET /nb2prod/rules: every rule, as ``nb2prod rules --format json``."""

    @tornado.web.authenticated
    def get(self) -> None:
        from nb2prod.rules.registry import ALL_RULES, FAMILIES

        self.reply(
            [
                {
                    "code": rule.code,
                    "name": rule.name,
                    "family": FAMILIES.get(rule.code[:3], ""),
                    "severity": rule.severity,
                    "fix": rule.fix_title,
                    "summary": rule.summary(),
                }
                for rule in ALL_RULES
            ]
        )


class RuleHandler(Nb2prodHandler):
    """GET /nb2prod/rules/<code>: one rule's documentation (Markdown and sections)."""

    @tornado.web.authenticated
    def get(self, code: str) -> None:
        from nb2prod.rules.base import parse_rule_doc
        from nb2prod.rules.registry import FAMILIES, get_rule

        try:
            rule = get_rule(code)
        except UsageError as error:
            raise ApiError(404, "unknown-rule", error.message) from None
        doc = parse_rule_doc(rule)
        self.reply(
            {
                "code": rule.code,
                "name": rule.name,
                "family": FAMILIES.get(rule.code[:3], ""),
                "severity": rule.severity,
                "fix": rule.fix_title,
                "summary": rule.summary(),
                "sections": doc.sections,
                "markdown": doc.to_markdown(),
            }
        )


class GraphHandler(Nb2prodHandler):
    """POST /nb2prod/graph ``{path, notebook?}``: cells and def->use edges in execution order."""

    @tornado.web.authenticated
    async def post(self) -> None:
        from nb2prod import notebook as notebook_io

        body = self.body()
        document = body.get("notebook")
        os_path = self.resolve(body.get("path"), must_exist=document is None)
        notebook_graph = feature_function("graph")
        if document is None:
            notebook = await self.off_loop(notebook_io.read, os_path)
        else:
            notebook = notebook_io.from_dict(document, os_path)
        self.reply(await self.off_loop(notebook_graph, notebook))


class ExtractPreviewHandler(Nb2prodHandler):
    """POST /nb2prod/extract/preview ``{path, output?}``: the files extract would generate, nothing written."""

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        os_path = self.resolve(body.get("path"))
        output = self.resolve(body["output"], must_exist=False) if body.get("output") else None
        feature_function("extract")
        self.reply(await self.off_loop(features.extract_preview, os_path, self.real_root, output))


class ExtractHandler(Nb2prodHandler):
    """POST /nb2prod/extract ``{path, output?, force?}``: write the extracted package under the root."""

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        os_path = self.resolve(body.get("path"))
        output = self.resolve(body["output"], must_exist=False) if body.get("output") else None
        feature_function("extract")
        self.reply(
            await self.off_loop(
                features.extract_write,
                os_path,
                self.real_root,
                output,
                bool(body.get("force", False)),
            )
        )


class PinHandler(Nb2prodHandler):
    """POST /nb2prod/pin ``{path, write?}``: imports -> distributions -> versions; writes only when asked."""

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        os_path = self.resolve(body.get("path"))
        feature_function("pin")
        self.reply(
            await self.off_loop(
                features.pin, os_path, self.real_root, bool(body.get("write", False))
            )
        )


def _job_manager(handler: Nb2prodHandler) -> JobManager:
    settings = handler.settings
    manager = settings.get("nb2prod_jobs")
    if manager is None:
        manager = settings["nb2prod_jobs"] = JobManager()
    return manager  # type: ignore[no-any-return]


class ReproStartHandler(Nb2prodHandler):
    """POST /nb2prod/repro ``{path}``: start a reproducibility check; answers 202 with the job."""

    @tornado.web.authenticated
    def post(self) -> None:
        body = self.body()
        api_path = body.get("path")
        os_path = self.resolve(api_path)
        feature_function("repro")
        root = self.real_root
        job = _job_manager(self).start(
            "repro",
            str(api_path),
            lambda report, cancel: features.repro(os_path, root, report, cancel),
        )
        self.reply(job.to_dict(), status=202)


class ReproJobHandler(Nb2prodHandler):
    """GET /nb2prod/repro/<id>: progress and, when done, verdicts. DELETE: cancel it."""

    @tornado.web.authenticated
    def get(self, job_id: str) -> None:
        job = _job_manager(self).get(job_id)
        if job is None:
            raise ApiError(404, "unknown-job", f"no such job: {job_id}")
        self.reply(job.to_dict())

    @tornado.web.authenticated
    def delete(self, job_id: str) -> None:
        job = _job_manager(self).cancel(job_id)
        if job is None:
            raise ApiError(404, "unknown-job", f"no such job: {job_id}")
        self.reply(job.to_dict())
