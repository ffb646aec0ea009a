import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../lib/config/load';
import { routeTableMarkdown } from '../lib/docs/route-docs';

describe('README.md', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');

  test('the route table is the shipped config, with the roles the permission model gives', () => {
    const section = /<!-- routes:start -->\n([\s\S]*?)\n<!-- routes:end -->/.exec(readme);
    expect(section).not.toBeNull();
    for (const env of loadEnvironments({})) expect(section![1]).toBe(routeTableMarkdown(env.routes));
  });

  test('opens with the two set-up commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(firstBlock).toContain('npm ci && npm run synth');
    expect(firstBlock).toContain('npm test');
  });
});
