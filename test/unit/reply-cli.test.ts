/**
 * `strapi-mail-server analyze-reply <file.eml>` as a user runs it: the bin shim in a child
 * process, on the current TypeScript source (STRAPI_MAIL_SERVER_CLI_SOURCE=1, so that a stale
 * dist/cli bundle cannot hide a regression). Exit codes: 0 analysed, 2 usage or unreadable file.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { replyAnalysisSchema } from '../../server/src/mail/reply';
import { main } from '../../server/src/mail/reply/cli';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
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
    assert.equal(code, 0);
    const analysis = replyAnalysisSchema.parse(JSON.parse(stdout));
    assert.equal(analysis.kind, 'reply');
    assert.equal(analysis.decision, 'reject');
    assert.equal(analysis.comment, 'the hero image is still the old logo');
    assert.equal(analysis.from, 'sara.lind@example.test');
    assert.equal(analysis.inReplyTo, '<apr.1042.1.Zm9vYmFy@cms.example.test>');
    assert.deepEqual(analysis.references, ['<apr.1042.1.Zm9vYmFy@cms.example.test>']);
    assert.equal(analysis.reference, 'APR-1042-0-k7GQ2xbT9mZpW4sLr3D1aA');
  });

  test('--own marks mail from our own address', () => {
    const { code, stdout } = run('analyze-reply', FIXTURE, '--own', 'Sara.Lind@example.test');
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).reason, 'own-mail');
  });

  test('a missing file is reported on stderr with exit code 2', () => {
    const { code, stdout, stderr } = run('analyze-reply', path.join(ROOT, 'no-such-file.eml'));
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /ENOENT/);
  });

  test('an unknown command or a missing argument prints the usage with exit code 2', () => {
    for (const args of [['frobnicate'], [], ['analyze-reply']]) {
      const { code, stderr } = run(...args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, /usage: strapi-mail-server analyze-reply/);
    }
  });

  test('main() can be driven in-process with its own output sink', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    assert.equal(await main(['analyze-reply', FIXTURE], io), 0);
    assert.equal(JSON.parse(out.join('')).decision, 'reject');
    assert.equal(await main(['analyze-reply', ROOT], io), 2, 'a directory is unreadable as a file');
    assert.equal(err.length, 1);
  });
});
