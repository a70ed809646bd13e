/**
 * What triggered the run, read from the runner's environment (`GITHUB_*`) and the event payload file.
 * A small reader of our own rather than `@actions/github`'s `context`: importing that one module pulls
 * in a second HTTP stack (undici via @actions/http-client 3) that the action never uses.
 */
import { readFileSync } from 'node:fs';

export interface RepositoryRef {
  owner: string;
  repo: string;
}

export interface PullRequestInfo {
  number: number;
  /** Head branch lives in another repository: the run gets no secrets and a read-only token. */
  fromFork: boolean;
  headRepository?: string;
  htmlUrl?: string;
}

export interface ReleaseInfo {
  id: number;
  tagName?: string;
  /** Hypermedia upload URL from the payload (`…/assets{?name,label}`); right for GHES too. */
  uploadUrl?: string;
  htmlUrl?: string;
}

export interface EventContext {
  eventName: string;
  repository?: RepositoryRef;
  actor?: string;
  serverUrl: string;
  apiUrl: string;
  runId?: string;
  runUrl?: string;
  pullRequest?: PullRequestInfo;
  release?: ReleaseInfo;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review']);

export function readEventContext(env: NodeJS.ProcessEnv = process.env): EventContext {
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const repository = parseRepository(env.GITHUB_REPOSITORY) ?? repositoryFromPayload(payload);
  const runId = env.GITHUB_RUN_ID || undefined;
  const context: EventContext = {
    eventName,
    repository,
    actor: env.GITHUB_ACTOR || undefined,
    serverUrl,
    apiUrl,
    runId,
    runUrl:
      repository && runId
        ? `${serverUrl}/${repository.owner}/${repository.repo}/actions/runs/${runId}`
        : undefined,
  };

  const pullRequest = asRecord(payload.pull_request);
  if (PULL_REQUEST_EVENTS.has(eventName) && pullRequest && typeof pullRequest.number === 'number') {
    const head = asRecord(asRecord(pullRequest.head)?.repo);
    const base = asRecord(asRecord(pullRequest.base)?.repo);
    const headName = typeof head?.full_name === 'string' ? head.full_name : undefined;
    const baseName =
      typeof base?.full_name === 'string'
        ? base.full_name
        : repository
          ? `${repository.owner}/${repository.repo}`
          : undefined;
    context.pullRequest = {
      number: pullRequest.number,
      // A deleted fork has `head.repo: null`: still not ours.
      fromFork: head?.fork === true || headName === undefined || headName !== baseName,
      headRepository: headName,
      htmlUrl: typeof pullRequest.html_url === 'string' ? pullRequest.html_url : undefined,
    };
  }

  const release = asRecord(payload.release);
  if (eventName === 'release' && release && typeof release.id === 'number') {
    context.release = {
      id: release.id,
      tagName: typeof release.tag_name === 'string' ? release.tag_name : undefined,
      uploadUrl: typeof release.upload_url === 'string' ? release.upload_url : undefined,
      htmlUrl: typeof release.html_url === 'string' ? release.html_url : undefined,
    };
  }
  return context;
}

/**
 * Runs that get no repository secrets however the workflow is written: pull requests from forks, and
 * Dependabot's pull requests (they only see Dependabot secrets).
 */
export function secretlessReason(context: EventContext): string | undefined {
  if (!context.pullRequest || context.eventName === 'pull_request_target') return undefined;
  if (context.pullRequest.fromFork) {
    return `pull request #${context.pullRequest.number} comes from a fork (${context.pullRequest.headRepository ?? 'deleted repository'})`;
  }
  if (context.actor === 'dependabot[bot]') {
    return `pull request #${context.pullRequest.number} was opened by Dependabot`;
  }
  return undefined;
}

function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    return asRecord(JSON.parse(readFileSync(path, 'utf8'))) ?? {};
  } catch {
    return {};
  }
}

function parseRepository(value: string | undefined): RepositoryRef | undefined {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value ?? '');
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}

function repositoryFromPayload(payload: Record<string, unknown>): RepositoryRef | undefined {
  const repository = asRecord(payload.repository);
  return typeof repository?.full_name === 'string' ? parseRepository(repository.full_name) : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}
