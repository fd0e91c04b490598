/**
 * `strapi-mail-server analyze-reply <file.eml>` as a user runs it: the bin shim in a child
 * process, on the current TypeScript source (STRAPI_MAIL_SERVER_CLI_SOURCE=1, so that a stale
 * dist/cli bundle cannot hide a regression). Exit codes: 0 analyzed, 2 usage or unreadable file.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { replyAnalysisSchema } from '../../server/src/mail/reply';
import { main } from '../../server/src/mail/reply/cli';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'strapi-mail-server.js');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'reply-outlook-mobile.eml');

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, STRAPI_MAIL_SERVER_CLI_SOURCE: '1' },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('strapi-mail-server analyze-reply', () => {
  test('prints one JSON analysis of the file and exits 0', () => {
    const { code, stdout } = run('analyze-reply', FIXTURE);
    expect(code).toBe(0);
    const analysis = replyAnalysisSchema.parse(JSON.parse(stdout));
    expect(analysis.kind).toBe('reply');
    expect(analysis.decision).toBe('reject');
    expect(analysis.comment).toBe('the hero image is still the old logo');
    expect(analysis.from).toBe('sara.lind@example.test');
    expect(analysis.inReplyTo).toBe('<apr.1042.1.Zm9vYmFy@cms.example.test>');
    expect(analysis.references).toStrictEqual(['<apr.1042.1.Zm9vYmFy@cms.example.test>']);
    expect(analysis.reference).toBe('APR-1042-0-k7GQ2xbT9mZpW4sLr3D1aA');
  });

  test('--own marks mail from our own address', () => {
    const { code, stdout } = run('analyze-reply', FIXTURE, '--own', 'Sara.Lind@example.test');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).reason).toBe('own-mail');
  });

  test('a missing file is reported on stderr with exit code 2', () => {
    const { code, stdout, stderr } = run('analyze-reply', path.join(ROOT, 'no-such-file.eml'));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/ENOENT/);
  });

  test('an unknown command or a missing argument prints the usage with exit code 2', () => {
    for (const args of [['frobnicate'], [], ['analyze-reply']]) {
      const { code, stderr } = run(...args);
      expect(code).toBe(2);
      expect(stderr).toMatch(/usage: strapi-mail-server analyze-reply/);
    }
  });

  test('main() can be driven in-process with its own output sink', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    expect(await main(['analyze-reply', FIXTURE], io)).toBe(0);
    expect(JSON.parse(out.join('')).decision).toBe('reject');
    expect(await main(['analyze-reply', ROOT], io)).toBe(2); // a directory is unreadable as a file
    expect(err.length).toBe(1);
  });
});
