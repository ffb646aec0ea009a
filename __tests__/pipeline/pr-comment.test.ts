/**
 * The pull request's plan comment: what it shows per environment, how it stays under GitHub's
 * comment limit, and the sticky update against a GitHub API served over loopback HTTP.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { guardPlan, type GuardResult } from '../../scripts/pipeline/plan-guard';
import { COMMENT_MARKER, GITHUB_COMMENT_LIMIT, renderPrComment, shareBudget } from '../../scripts/pipeline/pr-comment';
import { main } from '../../scripts/pipeline/pr-comment-cli';
import { GitHubApiError, upsertStickyComment } from '../../scripts/pipeline/sticky-comment';
import { closeServer, listenOnLoopback } from '../../sandbox/loopback';

const POOL = 'aws_cognito_user_pool.identity_user_pool';

function guard(changes: Array<{ address: string; actions: string[]; reason?: string; paths?: string[][] }>, options: Parameters<typeof guardPlan>[1] = {}): GuardResult {
  return guardPlan(
    {
      format_version: '1.2',
      resource_changes: changes.map((c) => ({ address: c.address, type: c.address.split('.')[0], mode: 'managed', change: { actions: c.actions, replace_paths: c.paths }, action_reason: c.reason })),
    },
    { environment: 'dev', ...options },
  );
}

const blocked = guard([
  { address: POOL, actions: ['create', 'delete'], reason: 'replace_because_cannot_update', paths: [['username_attributes']] },
  { address: 'aws_cognito_user_group.identity_group_api-admins', actions: ['delete', 'create'], reason: 'replace_because_cannot_update', paths: [['user_pool_id']] },
  { address: 'aws_lambda_function.authorizer_function', actions: ['update'] },
]);
const clean = guard([{ address: 'aws_sns_topic.alarms', actions: ['create'] }]);

/** A plan text of `lines` lines of about 80 characters. */
const planText = (lines: number, tag = 'x') => Array.from({ length: lines }, (_, i) => `  # ${tag} line ${i} ${'.'.repeat(60)}`).join('\n');

describe('renderPrComment', () => {
  test('starts with the marker; a table of every environment; per environment the counts, the verdict and every replaced or destroyed resource', () => {
    const body = renderPrComment(
      [
        { environment: 'dev', guard: blocked, planText: 'Terraform will perform the following actions:' },
        { environment: 'staging', guard: clean, planText: 'Plan: 1 to add, 0 to change, 0 to destroy.' },
        { environment: 'prod' },
      ],
      { commit: '0123456789abcdef', runUrl: 'https://github.com/acme/m2m-auth/actions/runs/7' },
    );
    const lines = body.split('\n');
    expect(lines[0]).toBe(COMMENT_MARKER);
    expect(lines).toEqual(
      expect.arrayContaining([
        'commit `0123456789ab` · [workflow run](https://github.com/acme/m2m-auth/actions/runs/7)',
        '| dev | 2 | 1 | 2 | 2 | ⛔ BLOCKED |',
        '| staging | 1 | 0 | 0 | 0 | ✅ ok |',
        '| prod | — | — | — | — | — no plan |',
        '**Plan:** 2 to add, 1 to change, 2 to destroy (2 replaced)',
        '**plan-guard: BLOCKED (1 protected resource would be replaced or destroyed)**',
        '| replace | `aws_cognito_user_group.identity_group_api-admins` | user\\_pool\\_id cannot be updated in place \\[replace\\_because\\_cannot\\_update\\] |',
        '<details><summary>Full plan of dev (terraform show)</summary>',
        'No plan: the plan job failed before the plan guard ran, or did not run (see the workflow run).',
      ]),
    );
    expect(body).toContain(`| BLOCKED | replace | \`${POOL}\` |`);
    // <details> needs a blank line after </summary> for the fence inside to render.
    expect(body).toContain('<details><summary>Full plan of staging (terraform show)</summary>\n\n```text\nPlan: 1 to add, 0 to change, 0 to destroy.\n```\n\n</details>');
  });

  test('a failed plan shows what terraform said', () => {
    const body = renderPrComment([{ environment: 'dev', error: 'terraform plan failed in cdktf.out/stacks/dev:\n\nError: No valid credential sources found' }]);
    expect(body).toContain('| dev | — | — | — | — | ❌ plan failed |');
    expect(body).toContain('The plan failed; Terraform said:\n\n```text\nterraform plan failed in cdktf.out/stacks/dev:\n\nError: No valid credential sources found\n```');
  });

  test('stays under GitHub limit with three huge plans; the summaries stay whole, each plan is cut at a line with a note', () => {
    const plans = [
      { environment: 'dev', guard: blocked, planText: planText(4000, 'dev') },
      { environment: 'staging', guard: clean, planText: planText(50, 'staging') },
      { environment: 'prod', guard: clean, planText: planText(9000, 'prod') },
    ];
    const body = renderPrComment(plans, { runUrl: 'https://github.com/acme/m2m-auth/actions/runs/7' });
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT - 3000);
    expect(body).toContain('**plan-guard: BLOCKED');
    // The short plan is whole; the long ones end on whole lines, closed fences, and a note.
    expect(body).toContain(`${planText(50, 'staging')}\n\`\`\`\n\n</details>`);
    expect(body).toMatch(/\.{60}\n```\n\n_Plan cut to fit GitHub's comment limit: the first \d+ of 4000 lines are shown\. The whole plan is in the `plan-dev` artifact of the \[workflow run\]\(https:\/\/github\.com\/acme\/m2m-auth\/actions\/runs\/7\)\._\n\n<\/details>/);
    expect(body).toMatch(/the first \d+ of 9000 lines are shown\. The whole plan is in the `plan-prod` artifact/);
    expect((body.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  test('a plan text with backtick fences of its own gets a longer fence', () => {
    const body = renderPrComment([{ environment: 'dev', guard: clean, planText: 'description = <<EOT\n```js\nx\n```\nEOT' }]);
    expect(body).toContain('````text\ndescription = <<EOT\n```js\nx\n```\nEOT\n````');
  });

  test('thousands of destroyed resources are listed up to a limit', () => {
    const many = guard(Array.from({ length: 500 }, (_, i) => ({ address: `aws_sns_topic.t${i}`, actions: ['delete'] })));
    const body = renderPrComment([{ environment: 'dev', guard: many }], { maxRows: 100 });
    expect(body).toContain('| | … and 400 more | |');
    expect(body.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
  });

  test('summaries larger than the limit are cut at a line, with every fence and <details> closed', () => {
    const many = guard(Array.from({ length: 900 }, (_, i) => ({ address: `aws_kms_key.key_${i}`, actions: ['delete'] })));
    const failed = { environment: 'prod', error: Array.from({ length: 60 }, (_, i) => `Error line ${i} ${'x'.repeat(200)}`).join('\n') };
    const body = renderPrComment([{ environment: 'dev', guard: many, planText: planText(100) }, failed, { environment: 'staging', guard: many }], { limit: 150_000 });
    expect(body.length).toBeLessThanOrEqual(150_000);
    const small = renderPrComment([failed, { environment: 'dev', guard: many, planText: planText(100) }], { limit: 20_000 });
    expect(small.length).toBeLessThanOrEqual(20_000);
    expect(small).toMatch(/_\(comment cut at 20000 characters: see the workflow run for the rest\)_\n$/);
    expect((small.match(/^```/gm) ?? []).length % 2).toBe(0);
    const cutInFence = renderPrComment([failed], { limit: 5_000 });
    expect(cutInFence.length).toBeLessThanOrEqual(5_000);
    expect((cutInFence.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  test('shareBudget gives short texts their length and splits the rest', () => {
    expect(shareBudget([100, 5000, 20000], 9000)).toEqual([100, 4450, 4450]);
    expect(shareBudget([10, 20], 1000)).toEqual([10, 20]);
    expect(shareBudget([], 10)).toEqual([]);
  });
});

describe('pr-comment command', () => {
  test('reads each environment directory; a missing one is "no plan"', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-pr-comment-'));
    try {
      fs.mkdirSync(path.join(dir, 'dev'));
      fs.writeFileSync(path.join(dir, 'dev', 'guard.json'), JSON.stringify(blocked));
      fs.writeFileSync(path.join(dir, 'dev', 'plan.txt'), 'the plan');
      fs.mkdirSync(path.join(dir, 'staging'));
      fs.writeFileSync(path.join(dir, 'staging', 'guard.json'), '{"not":"a result"}');
      const out: string[] = [];
      const code = await main(['--env', `dev=${dir}/dev`, '--env', `staging=${dir}/staging`, '--env', `prod=${dir}/prod`], { out: (t) => out.push(t), err: () => undefined });
      expect(code).toBe(0);
      expect(out.join('\n')).toContain('| dev | 2 | 1 | 2 | 2 | ⛔ BLOCKED |');
      expect(out.join('\n')).toContain('| staging | — | — | — | — | ❌ plan failed |');
      expect(out.join('\n')).toContain(`${dir}/staging/guard.json: not a plan-guard result`);
      expect(out.join('\n')).toContain('| prod | — | — | — | — | — no plan |');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails on bad options, naming them', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t) };
    expect(await main([], io)).toBe(2);
    expect(await main(['--env', 'dev'], io)).toBe(2);
    expect(await main(['--env', 'dev=x', '--post'], io, { GITHUB_REPOSITORY: 'acme/m2m-auth', GITHUB_TOKEN: 't' })).toBe(2);
    expect(err.map((e) => e.split('\n')[0])).toEqual([
      'pr-comment: --env <name>=<dir>: at least one environment',
      'pr-comment: --env: must be <name>=<dir>, e.g. dev=plans/plan-dev; received "dev"',
      'pr-comment: --pr: the pull request number; received nothing',
    ]);
  });
});

/** A GitHub issues-comments API on loopback: the comments of PR 42, and every request it saw. */
function fakeGitHub(comments: Array<{ id: number; body: string; login: string }>) {
  const requests: Array<{ method: string; url: string; authorization?: string; body?: { body: string } }> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as { body: string }) : undefined;
      requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      const reply = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      const page = /^\/repos\/acme\/m2m-auth\/issues\/42\/comments\?per_page=100&page=(\d+)$/.exec(req.url!);
      if (req.method === 'GET' && page) {
        const n = Number(page[1]);
        return reply(200, comments.slice((n - 1) * 100, n * 100).map((c) => ({ id: c.id, body: c.body, user: { login: c.login }, html_url: `https://github.com/c/${c.id}` })));
      }
      const patch = /^\/repos\/acme\/m2m-auth\/issues\/comments\/(\d+)$/.exec(req.url!);
      if (req.method === 'PATCH' && patch) return reply(200, { id: Number(patch[1]), html_url: `https://github.com/c/${patch[1]}` });
      if (req.method === 'POST' && req.url === '/repos/acme/m2m-auth/issues/42/comments') return reply(201, { id: 999, html_url: 'https://github.com/c/999' });
      return reply(404, { message: 'Not Found' });
    });
  });
  return { server, requests };
}

describe('upsertStickyComment (GitHub API over loopback)', () => {
  let server: http.Server | undefined;
  afterEach(() => closeServer(server));

  async function run(comments: Array<{ id: number; body: string; login: string }>, body = `${COMMENT_MARKER}\nnew`) {
    const fake = fakeGitHub(comments);
    server = fake.server;
    const port = await listenOnLoopback(fake.server);
    const result = await upsertStickyComment({ repository: 'acme/m2m-auth', pullRequest: 42, body, marker: COMMENT_MARKER, token: 'secret-token', apiUrl: `http://127.0.0.1:${port}` });
    return { result, requests: fake.requests };
  }

  test("updates the bot's marked comment, found on a later page", async () => {
    const others = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, body: `chat ${i}`, login: 'alice' }));
    const { result, requests } = await run([...others, { id: 500, body: `${COMMENT_MARKER}\nold`, login: 'github-actions[bot]' }]);
    expect(result).toEqual({ action: 'updated', url: 'https://github.com/c/500' });
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /repos/acme/m2m-auth/issues/42/comments?per_page=100&page=1',
      'GET /repos/acme/m2m-auth/issues/42/comments?per_page=100&page=2',
      'PATCH /repos/acme/m2m-auth/issues/comments/500',
    ]);
    expect(requests[2].body).toEqual({ body: `${COMMENT_MARKER}\nnew` });
    expect(requests[0].authorization).toBe('Bearer secret-token');
  });

  test("creates one when there is none; a person's comment quoting the marker is left alone", async () => {
    const { result, requests } = await run([{ id: 7, body: `${COMMENT_MARKER}\nfake`, login: 'mallory' }]);
    expect(result).toEqual({ action: 'created', url: 'https://github.com/c/999' });
    expect(requests.map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  test('fails with GitHub status and message, never the token', async () => {
    const fake = fakeGitHub([]);
    server = fake.server;
    const port = await listenOnLoopback(fake.server);
    const attempt = upsertStickyComment({ repository: 'acme/other', pullRequest: 42, body: `${COMMENT_MARKER}\nx`, marker: COMMENT_MARKER, token: 'secret-token', apiUrl: `http://127.0.0.1:${port}` });
    await expect(attempt).rejects.toThrow(new GitHubApiError('GitHub GET /repos/acme/other/issues/42/comments?per_page=100&page=1: HTTP 404: Not Found', 404));
    await expect(attempt).rejects.not.toThrow(/secret-token/);
  });

  test('fails when the body does not start with the marker', async () => {
    await expect(upsertStickyComment({ repository: 'acme/m2m-auth', pullRequest: 1, body: 'x', marker: COMMENT_MARKER, token: 't' })).rejects.toThrow('body: must start with the marker');
  });
});
