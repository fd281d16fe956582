/**
 * A small GitHub REST API on 127.0.0.1 for the PR check tests: check runs for a commit and issue
 * comments, answered the way api.github.com answers them (status codes, shapes, Link paging,
 * the 403 body a token without the permission gets). It records what the client actually sent.
 * Not a test file itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequestBody } from '../stack/http.js';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, when there was one. */
  body?: Record<string, unknown>;
  authorization?: string;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title: string | null; summary: string | null };
}

export interface IssueComment {
  id: number;
  issue_number: number;
  body: string;
  user: { login: string; type: string };
}

const FORBIDDEN = {
  message: 'Resource not accessible by integration',
  documentation_url: 'https://docs.github.com/rest',
  status: '403'
};

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly checkRuns: CheckRun[] = [];
  readonly comments: IssueComment[] = [];
  /** Answer writes to check runs with 403, as for a token without `checks: write`. */
  forbidChecks = false;
  /** Answer writes to comments with 403, as for a fork's read-only token. */
  forbidComments = false;
  /**
   * Who the token is, for `GET /user`: a PAT's user. Undefined answers 403, as GitHub does for a
   * GITHUB_TOKEN (an installation token has no user); its comments are by `github-actions[bot]`.
   */
  userLogin?: string;
  /** Answer every request with a 500. */
  broken = false;
  /** Answers a request itself (after it is recorded) when it returns true; else the fake does. */
  respond?: (req: RecordedRequest, res: ServerResponse) => boolean;

  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  private nextId = 1000;

  constructor(readonly owner = 'octo', readonly repo = 'hello') {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    // Octokit's fetch keeps connections alive; without this, close() waits for them.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Seeds a comment as if posted earlier; returns it. */
  addComment(issue: number, body: string, login = 'github-actions[bot]'): IssueComment {
    const c = { id: this.nextId++, issue_number: issue, body, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' } };
    this.comments.push(c);
    return c;
  }

  /** Seeds a check run as if created by an earlier run of the job; returns it. */
  addCheckRun(name: string, headSha: string): CheckRun {
    const run = { id: this.nextId++, name, head_sha: headSha, status: 'completed', conclusion: 'failure', output: { title: 'old', summary: 'old' } };
    this.checkRuns.push(run);
    return run;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const raw = (await readRequestBody(req)).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    const method = req.method ?? 'GET';
    const recorded: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, authorization: req.headers.authorization };
    this.requests.push(recorded);
    if (this.respond?.(recorded, res)) return;
    if (this.broken) return send(res, 500, { message: 'Server Error' });

    const base = `/repos/${this.owner}/${this.repo}`;
    const p = url.pathname;
    if (method === 'GET' && p === '/user') {
      return this.userLogin ? send(res, 200, { login: this.userLogin, type: 'User' }) : send(res, 403, FORBIDDEN);
    }
    let m: RegExpMatchArray | null;
    if (method === 'GET' && (m = p.match(new RegExp(`^${base}/commits/([^/]+)/check-runs$`)))) {
      const name = url.searchParams.get('check_name');
      const runs = this.checkRuns.filter((r) => r.head_sha === m![1] && (!name || r.name === name)).reverse();
      return send(res, 200, { total_count: runs.length, check_runs: runs });
    }
    if (method === 'POST' && p === `${base}/check-runs`) {
      if (this.forbidChecks) return send(res, 403, FORBIDDEN);
      const run = { ...(body as object), id: this.nextId++ } as CheckRun;
      this.checkRuns.push(run);
      return send(res, 201, { ...run, html_url: `https://github.com/${this.owner}/${this.repo}/runs/${run.id}` });
    }
    if (method === 'PATCH' && (m = p.match(new RegExp(`^${base}/check-runs/(\\d+)$`)))) {
      if (this.forbidChecks) return send(res, 403, FORBIDDEN);
      const run = this.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) return send(res, 404, { message: 'Not Found' });
      Object.assign(run, body);
      return send(res, 200, { ...run, html_url: `https://github.com/${this.owner}/${this.repo}/runs/${run.id}` });
    }
    if (method === 'GET' && (m = p.match(new RegExp(`^${base}/issues/(\\d+)/comments$`)))) {
      const all = this.comments.filter((c) => c.issue_number === Number(m![1]));
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.href}>; rel="next"`;
      }
      return send(res, 200, all.slice((page - 1) * perPage, page * perPage).map(toApiComment), headers);
    }
    if (method === 'POST' && (m = p.match(new RegExp(`^${base}/issues/(\\d+)/comments$`)))) {
      if (this.forbidComments) return send(res, 403, FORBIDDEN);
      const c = this.addComment(Number(m[1]), String(body?.body), this.userLogin);
      return send(res, 201, toApiComment(c));
    }
    if (method === 'PATCH' && (m = p.match(new RegExp(`^${base}/issues/comments/(\\d+)$`)))) {
      if (this.forbidComments) return send(res, 403, FORBIDDEN);
      const c = this.comments.find((x) => x.id === Number(m![1]));
      if (!c) return send(res, 404, { message: 'Not Found' });
      c.body = String(body?.body);
      return send(res, 200, toApiComment(c));
    }
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }
}

function toApiComment(c: IssueComment): object {
  return { id: c.id, body: c.body, user: c.user, html_url: `https://github.com/octo/hello/pull/${c.issue_number}#issuecomment-${c.id}` };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

