/**
 * One comment per pull request that the workflow keeps up to date: found by its hidden marker among
 * the comments of the workflow's own bot, then updated, or created when there is none. Plain REST
 * calls (GitHub's `fetch` API), so that a test can answer them over loopback HTTP.
 */

/** Options of {@link upsertStickyComment}. */
export interface StickyCommentOptions {
  /** `owner/name` */
  readonly repository: string;
  readonly pullRequest: number;
  readonly body: string;
  /** The hidden marker the body starts with. */
  readonly marker: string;
  /** The workflow's `GITHUB_TOKEN` (needs `pull-requests: write`). Never printed. */
  readonly token: string;
  /**
   * `GITHUB_API_URL` (GitHub Enterprise Server has its own).
   * @default 'https://api.github.com'
   */
  readonly apiUrl?: string;
  /**
   * Only this author's comments are updated: a comment by anyone else that carries the marker is left alone.
   * @default 'github-actions[bot]'
   */
  readonly author?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** What happened, and the comment's address. */
export interface StickyCommentResult {
  readonly action: 'created' | 'updated';
  readonly url: string;
}

/** GitHub answered with an error; the message has the status and GitHub's message, never the token. */
export class GitHubApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

interface IssueComment {
  readonly id: number;
  readonly body?: string;
  readonly html_url: string;
  readonly user?: { readonly login?: string } | null;
}

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * Creates the pull request's marked comment, or updates the first one the bot wrote before.
 *
 * @example
 * await upsertStickyComment({ repository: 'acme/m2m-auth', pullRequest: 42, body, marker: COMMENT_MARKER, token: process.env.GITHUB_TOKEN! });
 */
export async function upsertStickyComment(options: StickyCommentOptions): Promise<StickyCommentResult> {
  if (!REPOSITORY.test(options.repository)) throw new Error(`repository: must be owner/name; received "${options.repository}"`);
  if (!Number.isInteger(options.pullRequest) || options.pullRequest < 1) throw new Error(`pull request: must be a positive number; received ${options.pullRequest}`);
  if (!options.body.startsWith(options.marker)) throw new Error(`body: must start with the marker ${options.marker}, or the next run cannot find the comment`);
  const api = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const author = options.author ?? 'github-actions[bot]';
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await (options.fetch ?? fetch)(`${api}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${options.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'm2m-auth-pr-comment',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the start of the text
      }
      throw new GitHubApiError(`GitHub ${method} ${path}: HTTP ${response.status}: ${message}`, response.status);
    }
    return JSON.parse(text) as T;
  };

  const [owner, name] = options.repository.split('/').map(encodeURIComponent);
  let existing: IssueComment | undefined;
  for (let page = 1; !existing; page++) {
    const comments = await call<IssueComment[]>('GET', `/repos/${owner}/${name}/issues/${options.pullRequest}/comments?per_page=100&page=${page}`);
    existing = comments.find((c) => c.user?.login === author && (c.body ?? '').startsWith(options.marker));
    if (comments.length < 100) break;
  }
  if (existing) {
    const updated = await call<IssueComment>('PATCH', `/repos/${owner}/${name}/issues/comments/${existing.id}`, { body: options.body });
    return { action: 'updated', url: updated.html_url };
  }
  const created = await call<IssueComment>('POST', `/repos/${owner}/${name}/issues/${options.pullRequest}/comments`, { body: options.body });
  return { action: 'created', url: created.html_url };
}
