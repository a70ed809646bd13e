/**
 * A local stand-in for the GitHub REST API, just the calls the action makes: issue comments (list,
 * create, update) and release assets (list, delete, upload). Every request is recorded with its
 * headers so tests can check the user agent, the token and that no duplicate comment was created.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface StubComment {
  id: number;
  body: string;
  issueNumber: number;
}

export interface StubAsset {
  id: number;
  name: string;
  size: number;
  contentType?: string;
}

export interface GitHubApiStub {
  url: string;
  requests: RecordedRequest[];
  comments: StubComment[];
  assets: StubAsset[];
  /** Answer the next matching request with this status (e.g. 403) instead of handling it. */
  failNext(method: string, pathPattern: RegExp, status: number): void;
  close(): Promise<void>;
}

export async function startGitHubApiStub(): Promise<GitHubApiStub> {
  const requests: RecordedRequest[] = [];
  const comments: StubComment[] = [];
  const assets: StubAsset[] = [];
  const failures: { method: string; pattern: RegExp; status: number }[] = [];
  let nextId = 1000;
  let base = '';

  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://stub');
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(recorded);
    const send = (status: number, body?: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body === undefined ? '' : JSON.stringify(body));
    };
    const failure = failures.findIndex((f) => f.method === recorded.method && f.pattern.test(recorded.path));
    if (failure >= 0) {
      const { status } = failures.splice(failure, 1)[0]!;
      return send(status, { message: `stubbed ${status}` });
    }
    const json = () => JSON.parse(recorded.body.toString('utf8') || '{}') as Record<string, unknown>;
    const commentJson = (comment: StubComment) => ({
      id: comment.id,
      body: comment.body,
      html_url: `${base}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
      user: { login: 'github-actions[bot]' },
    });
    const assetJson = (asset: StubAsset) => ({
      id: asset.id,
      name: asset.name,
      size: asset.size,
      browser_download_url: `${base}/download/${asset.name}`,
    });

    const issueComments = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(recorded.path);
    const singleComment = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(recorded.path);
    const singleAsset = /^\/repos\/[^/]+\/[^/]+\/releases\/assets\/(\d+)$/.exec(recorded.path);
    if (issueComments) {
      const issueNumber = Number(issueComments[1]);
      if (recorded.method === 'GET') {
        // Two pages of unrelated comments would hide ours from a non-paginating client.
        const perPage = Number(recorded.query.get('per_page') ?? 30);
        const page = Number(recorded.query.get('page') ?? 1);
        const all = comments.filter((comment) => comment.issueNumber === issueNumber);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        if (page * perPage < all.length) {
          const next = new URL(`${base}${recorded.path}`);
          next.searchParams.set('per_page', String(perPage));
          next.searchParams.set('page', String(page + 1));
          response.setHeader('link', `<${next}>; rel="next"`);
        }
        return send(200, slice.map(commentJson));
      }
      if (recorded.method === 'POST') {
        const comment = { id: nextId++, body: String(json().body ?? ''), issueNumber };
        comments.push(comment);
        return send(201, commentJson(comment));
      }
    }
    if (singleComment) {
      const comment = comments.find((candidate) => candidate.id === Number(singleComment[1]));
      if (!comment) return send(404, { message: 'Not Found' });
      if (recorded.method === 'PATCH') {
        comment.body = String(json().body ?? '');
        return send(200, commentJson(comment));
      }
    }
    if (/^\/repos\/[^/]+\/[^/]+\/releases\/\d+\/assets$/.test(recorded.path)) {
      if (recorded.method === 'GET') return send(200, assets.map(assetJson));
      if (recorded.method === 'POST') {
        const name = recorded.query.get('name') ?? '';
        const asset = {
          id: nextId++,
          name,
          size: recorded.body.length,
          contentType: recorded.headers['content-type'],
        };
        assets.push(asset);
        return send(201, assetJson(asset));
      }
    }
    if (singleAsset) {
      const index = assets.findIndex((asset) => asset.id === Number(singleAsset[1]));
      if (recorded.method === 'DELETE' && index >= 0) {
        assets.splice(index, 1);
        return send(204);
      }
    }
    return send(404, { message: `stub has no route for ${recorded.method} ${recorded.path}` });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    comments,
    assets,
    failNext: (method, pattern, status) => failures.push({ method, pattern, status }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
