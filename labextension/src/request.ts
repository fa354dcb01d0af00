/**
 * The only module that talks HTTP: typed calls to the nb2prod server extension.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  IApiError,
  IGraph,
  IJob,
  ILintReply,
  IRuleDoc,
  IRuleSummary,
  IServerStatus
} from './tokens';
import type { INotebookLike } from './pure/notebookJson';

/** A failed call: `code` and `message` come from the server's JSON error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

/** True for the error a superseded (aborted) request ends with. */
export function isAbort(error: unknown): boolean {
  return (
    (error instanceof DOMException && error.name === 'AbortError') ||
    (error instanceof Error && error.name === 'AbortError') ||
    (error instanceof ServerConnection.NetworkError && /abort/i.test(error.message))
  );
}

async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  signal?: AbortSignal
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'nb2prod', endPoint);
  const response = await ServerConnection.makeRequest(url, { ...init, signal }, settings);
  const text = await response.text();
  let data: unknown = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(response.status, 'bad-response', `nb2prod: not JSON: ${text.slice(0, 200)}`);
    }
  }
  if (!response.ok) {
    const body = (data ?? {}) as Partial<IApiError>;
    throw new ApiError(response.status, body.code ?? 'http-error', body.message ?? response.statusText);
  }
  return data as T;
}

function post<T>(endPoint: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return requestAPI<T>(endPoint, { method: 'POST', body: JSON.stringify(body) }, signal);
}

export function fetchStatus(): Promise<IServerStatus> {
  return requestAPI<IServerStatus>('status');
}

export interface ILintOptions {
  select?: string[];
  ignore?: string[];
  ruff?: boolean;
}

/** Lint the live notebook model (unsaved edits and live execution counts included). */
export function lintNotebook(
  path: string,
  notebook: INotebookLike,
  options: ILintOptions,
  signal?: AbortSignal
): Promise<ILintReply> {
  return post<ILintReply>('lint', { path, notebook, ...options }, signal);
}

export function fetchGraph(path: string, notebook: INotebookLike, signal?: AbortSignal): Promise<IGraph> {
  return post<IGraph>('graph', { path, notebook }, signal);
}

export function fetchRules(): Promise<IRuleSummary[]> {
  return requestAPI<IRuleSummary[]>('rules');
}

export function fetchRule(code: string): Promise<IRuleDoc> {
  return requestAPI<IRuleDoc>(`rules/${encodeURIComponent(code)}`);
}

export function extractPreview(path: string): Promise<unknown> {
  return post<unknown>('extract/preview', { path });
}

export function extractWrite(path: string, output?: string, force = false): Promise<unknown> {
  return post<unknown>('extract', { path, output, force });
}

export function pin(path: string, write: boolean): Promise<unknown> {
  return post<unknown>('pin', { path, write });
}

export function startRepro(path: string): Promise<IJob> {
  return post<IJob>('repro', { path });
}

export function fetchJob(id: string): Promise<IJob> {
  return requestAPI<IJob>(`repro/${id}`);
}

export function cancelJob(id: string): Promise<IJob> {
  return requestAPI<IJob>(`repro/${id}`, { method: 'DELETE' });
}
