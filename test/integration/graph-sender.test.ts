/**
 * Sending through Microsoft Graph (server/src/mail/graph/) against the stack's local Graph,
 * which checks tokens from the local identity platform and delivers into Dovecot: what an
 * approval needs survives (Message-ID, In-Reply-To, HTML, attachments, reply-to, x- headers),
 * a message over Graph's 4 MB request limit goes as a draft with an upload session, and each
 * refusal Graph can answer is a MailError with Graph's code as its reason.
 */
import '../helpers/no-internet';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import crypto from 'node:crypto';
import {
  createGraphSender,
  createTokenSource,
  isTransient,
  MIME_LIMIT,
  type MailError,
  type TokenSource,
} from '../../server/src/mail';
import { rejectionOf } from '../helpers/expect';
import { readMailbox } from '../helpers/mailbox';
import { blockedConnections } from '../helpers/no-internet';
import { startMailStack } from '../mailstack';
import { registerApp } from '../helpers/oauth2';
import type { IdentityClient, MailStack, MailUser } from '../mailstack/types';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

describe('Microsoft Graph sender (mail core)', () => {
  let stack: MailStack;
  let recipient: MailUser;
  const sources: TokenSource[] = [];

  const register = (over: Partial<IdentityClient> = {}) => registerApp(stack, over);
  const tokens = (c: IdentityClient, scope = GRAPH_SCOPE) => {
    const source = createTokenSource(
      {
        grant: 'client_credentials',
        tenantId: c.tenantId,
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        authorityHost: stack.idp.authorityHost,
        scopes: [scope],
      },
      { ca: [stack.caPem] }
    );
    sources.push(source);
    return source;
  };
  const sender = (c: IdentityClient, mailbox = c.mailbox, scope?: string) => {
    const source = tokens(c, scope);
    return createGraphSender({
      host: stack.graph.host,
      mailbox,
      auth: { user: mailbox, getAccessToken: (o) => source.getAccessToken(o) },
      tls: { ca: [stack.caPem] },
      timeoutMs: 10_000,
    });
  };

  beforeAll(async () => {
    stack = await startMailStack();
    recipient = stack.users.find((u) => u.address.startsWith('editor@'))!;
  });
  afterAll(async () => {
    for (const s of sources) s.close();
    await stack?.stop();
    expect(blockedConnections()).toStrictEqual([]);
  });

  test('MIME through sendMail keeps what the approval protocol needs', async () => {
    const c = stack.idp.client;
    const graph = sender(c);
    const subject = `graph ${crypto.randomBytes(6).toString('hex')}`;
    const attachment = crypto.randomBytes(50_000);
    const sent = await graph.send({
      from: `Strapi <${c.mailbox}>`,
      to: recipient.address,
      replyTo: 'approvals@example.test',
      subject,
      text: 'plain',
      html: '<p>rich</p>',
      messageId: '<apr.1.0.test@example.test>',
      inReplyTo: '<question@example.test>',
      references: '<question@example.test>',
      headers: { 'X-Strapi-Test': 'yes', 'Auto-Submitted': 'auto-generated' },
      attachments: [{ filename: 'report.bin', content: attachment }],
    });
    expect(sent.via).toBe('mime');
    const [mail] = await readMailbox(stack, recipient, { subject });
    expect(mail?.messageId).toBe('<apr.1.0.test@example.test>');
    expect(mail?.inReplyTo).toBe('<question@example.test>');
    expect(mail?.replyTo?.value[0]?.address).toBe('approvals@example.test');
    expect(mail?.headers.get('x-strapi-test')).toBe('yes');
    expect(mail?.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail?.html).toContain('rich');
    expect(Buffer.compare(mail!.attachments[0]!.content, attachment)).toBe(0);
    await graph.close();
  });

  test('over the 4 MB request limit: a draft, large attachments uploaded in chunks (to the upload host), small ones in one request, then send', async () => {
    const c = stack.idp.client;
    const graph = sender(c);
    const subject = `graph large ${crypto.randomBytes(6).toString('hex')}`;
    const big = crypto.randomBytes(MIME_LIMIT + 3 * 1024 * 1024); // ~6 MB
    const logo = crypto.randomBytes(20_000);
    const before = stack.graph.stats().requests;
    const sent = await graph.send({
      to: recipient.address,
      subject,
      html: '<p>a large report <img src="cid:logo@strapi"></p>',
      headers: { 'X-Report': 'monthly' },
      attachments: [
        { filename: 'report.bin', content: big, contentType: 'application/octet-stream' },
        { filename: 'logo.png', content: logo, cid: 'logo@strapi', contentType: 'image/png' },
        {
          filename: 'note.txt',
          content: Buffer.from('a note').toString('base64'),
          encoding: 'base64',
        },
      ],
    });
    expect(sent.via).toBe('draft');
    // draft + upload session + ceil(6 MB / 3.125 MB) chunks + 2 small attachments + send
    expect(stack.graph.stats().requests - before).toBe(
      3 + Math.ceil(big.length / (10 * 320 * 1024)) + 2
    );
    const [mail] = await readMailbox(stack, recipient, { subject });
    // Graph gives a draft its own Message-ID: the result reports that one, which replies carry.
    expect(sent.messageId).toMatch(/@local\.graph>$/);
    expect(mail?.messageId).toBe(sent.messageId);
    expect(mail?.headers.get('x-report')).toBe('monthly');
    const byName = new Map(mail!.attachments.map((a) => [a.filename, a]));
    const hash = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
    expect(hash(byName.get('report.bin')!.content)).toBe(hash(big));
    expect(Buffer.compare(byName.get('logo.png')!.content, logo)).toBe(0);
    expect(byName.get('logo.png')!.cid).toBe('logo@strapi');
    expect(byName.get('note.txt')!.content.toString()).toBe('a note');
    await graph.close();
  });

  test('429 with Retry-After is a transient ETHROTTLED carrying the delay', async () => {
    const graph = sender(stack.idp.client);
    stack.graph.throttle(1, 7);
    const err = (await rejectionOf(
      graph.send({ to: recipient.address, subject: 't', text: 't' })
    )) as MailError;
    expect([err.code, err.responseCode, err.retryAfterMs]).toStrictEqual(['ETHROTTLED', 429, 7000]);
    expect(isTransient(err)).toBe(true);
    // Then it goes through.
    expect((await graph.send({ to: recipient.address, subject: 't2', text: 't' })).via).toBe(
      'mime'
    );
    await graph.close();
  });

  test('refusals carry Graph’s own code: access policy, no Mail.Send, unknown mailbox, wrong audience', async () => {
    const denied = register({ mailbox: 'reports@example.test' });
    stack.graph.denyMailbox('reports@example.test');
    const policy = (await rejectionOf(
      sender(denied).send({ to: recipient.address, subject: 'x', text: 'x' })
    )) as MailError;
    expect([policy.code, policy.responseCode, policy.reason]).toStrictEqual([
      'EAUTH',
      403,
      'ErrorAccessDenied',
    ]);
    // Looking the mailbox up is the directory's: without User.Read.All, its own refusal.
    const lookup = (await rejectionOf(sender(denied).verify())) as MailError;
    expect([lookup.code, lookup.reason]).toStrictEqual(['EAUTH', 'Authorization_RequestDenied']);

    const noRole = register({ graphRoles: [] });
    const role = (await rejectionOf(
      sender(noRole).send({ to: recipient.address, subject: 'x', text: 'x' })
    )) as MailError;
    expect([role.code, role.reason]).toStrictEqual(['EAUTH', 'ErrorAccessDenied']);

    const nobody = (await rejectionOf(
      sender(stack.idp.client, 'nobody@example.test').send({
        to: recipient.address,
        subject: 'x',
        text: 'x',
      })
    )) as MailError;
    expect([nobody.code, nobody.reason]).toStrictEqual(['ECONFIG', 'ErrorInvalidUser']);

    // A token for Exchange (outlook.office365.com) is not one for Graph: 401, renewed once, EOAUTH2.
    const before = stack.idp.tokenRequests('client_credentials');
    const audience = (await rejectionOf(
      sender(register(), undefined, 'https://outlook.office365.com/.default').verify()
    )) as MailError;
    expect([audience.code, audience.reason]).toStrictEqual([
      'EOAUTH2',
      'InvalidAuthenticationToken',
    ]);
    expect(stack.idp.tokenRequests('client_credentials') - before).toBe(2);
  });
});
