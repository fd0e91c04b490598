/**
 * The local Graph's mailbox-reading endpoints (test/mailstack/graph-mailbox.ts) against the
 * stack's Dovecot: folders and messages read through Graph are the ones imapflow sees, a move
 * through Graph is an IMAP MOVE, and each refusal carries Graph's status and error code.
 * Everything is checked over HTTPS with the stack's CA, with tokens of the local identity
 * platform.
 */
import '../helpers/no-internet';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { appendRaw, connect } from '../helpers/mailbox';
import { blockedConnections } from '../helpers/no-internet';
import { idpRequest, registerApp } from '../helpers/oauth2';
import { startMailStack } from '../mailstack';
import type { IdentityClient, MailStack, MailUser } from '../mailstack/types';

const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
const MAILBOX = 'approvals@example.test';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Graph's JSON, read per test
  json: any;
}

type Folder = {
  id: string;
  displayName: string;
  parentFolderId: string;
  childFolderCount: number;
  unreadItemCount: number;
  totalItemCount: number;
};

describe('local Graph: reading a mailbox backed by Dovecot', () => {
  let stack: MailStack;
  let app: IdentityClient;
  let token: string;
  let user: MailUser;

  async function tokenFor(client: IdentityClient, form: Record<string, string> = {}) {
    const res = await idpRequest(
      stack,
      `${stack.idp.url}/${client.tenantId}/oauth2/v2.0/token`,
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope: GRAPH_DEFAULT,
        ...form,
      })
    );
    expect(res.status).toBe(200);
    return JSON.parse(res.body).access_token as string;
  }

  /** A call to the local Graph under /v1.0/users/{mailbox}, or to a whole URL (a nextLink). */
  function graph(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    opts: { token?: string; mailbox?: string } = {}
  ): Promise<Answer> {
    const url = path.startsWith('https://')
      ? path
      : `${stack.graph.url}/v1.0/users/${encodeURIComponent(opts.mailbox ?? MAILBOX)}${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: stack.caPem,
          agent: false,
          headers: {
            Authorization: `Bearer ${opts.token ?? token}`,
            ...(payload ? { 'Content-Type': 'application/json' } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const type = String(res.headers['content-type'] ?? '');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              raw,
              json: type.startsWith('application/json') ? JSON.parse(raw.toString('utf8')) : null,
            });
          });
        }
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;
  const code = (a: Answer) => [a.status, a.json?.error?.code];
  const message = (id: string) =>
    Buffer.from(
      [
        'From: Editor <editor@example.test>',
        `To: ${MAILBOX}`,
        `Subject: approval ${id}`,
        `Message-ID: <${id}@example.test>`,
        'Date: Mon, 1 Jan 2024 10:00:00 +0000',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Approve ${id}. ${randomBytes(8).toString('hex')}`,
        '',
      ].join('\r\n')
    );
  const ids = {
    first: `first.${randomBytes(4).toString('hex')}`,
    second: `second.${randomBytes(4).toString('hex')}`,
  };
  const raws = { first: message(ids.first), second: message(ids.second) };
  /** what list/move answer for a message, with this test's Message-IDs */
  const mid = (which: keyof typeof ids) => `<${ids[which]}@example.test>`;

  /** Dovecot's folders and the Message-IDs in one of them, read with imapflow. */
  async function dovecot(folder?: string) {
    const client = await connect(stack, user);
    try {
      const folders = (await client.list()).map((f) => ({
        path: f.path,
        parentPath: f.parentPath,
      }));
      const messageIds: string[] = [];
      if (folder) {
        const lock = await client.getMailboxLock(folder);
        try {
          for await (const m of client.fetch('1:*', { envelope: true })) {
            messageIds.push(m.envelope?.messageId ?? '');
          }
        } catch {
          // an empty folder: FETCH 1:* has nothing to fetch
        } finally {
          lock.release();
        }
      }
      return { folders, messageIds };
    } finally {
      await client.logout();
    }
  }

  beforeAll(async () => {
    stack = await startMailStack();
    // Default roles: Mail.Send and Mail.ReadWrite. The mailbox is created for the app.
    app = registerApp(stack, { mailbox: MAILBOX });
    token = await tokenFor(app);
    user = stack.users.find((u) => u.address === MAILBOX)!;
    await appendRaw(stack, user, raws.first);
    await appendRaw(stack, user, raws.second);
  });
  afterAll(async () => {
    await stack?.stop();
    expect(blockedConnections()).toStrictEqual([]);
  });

  test('the inbox by its well-known name (any case) and by id; msgfolderroot is its parent', async () => {
    const inbox = await graph('GET', `/mailFolders/InBoX${q({ $select: 'id,displayName' })}`);
    expect(inbox.status).toBe(200);
    const folder = inbox.json as Folder;
    expect(folder).toMatchObject({
      displayName: 'Inbox',
      childFolderCount: 0,
      unreadItemCount: 2,
      totalItemCount: 2,
    });
    expect(folder.id).toMatch(/^[\w-]+$/);
    expect((await graph('GET', `/mailFolders/${folder.id}`)).json).toStrictEqual(folder);
    const root = await graph('GET', '/mailFolders/msgfolderroot');
    expect([root.status, root.json.id]).toStrictEqual([200, folder.parentFolderId]);
    expect(code(await graph('GET', '/mailFolders/no-such-folder'))).toStrictEqual([
      400,
      'ErrorInvalidIdMalformed',
    ]);
  });

  test('messages oldest first with $top, the next page by @odata.nextLink; newest first by default', async () => {
    const before = stack.graph.stats().listed;
    const first = await graph(
      'GET',
      `/mailFolders/inbox/messages${q({
        $select: 'id,internetMessageId',
        $orderby: 'receivedDateTime asc',
        $top: '1',
      })}`
    );
    expect(first.status).toBe(200);
    expect(
      first.json.value.map((m: { internetMessageId: string }) => m.internetMessageId)
    ).toStrictEqual([mid('first')]);
    expect(first.json.value[0].id).toMatch(/^[\w-]+$/);
    expect(Date.parse(first.json.value[0].receivedDateTime)).not.toBeNaN();
    const next = await graph('GET', first.json['@odata.nextLink']);
    expect(
      next.json.value.map((m: { internetMessageId: string }) => m.internetMessageId)
    ).toStrictEqual([mid('second')]);
    expect(next.json['@odata.nextLink']).toBeUndefined();

    const newest = await graph('GET', '/mailFolders/inbox/messages');
    expect(
      newest.json.value.map((m: { internetMessageId: string }) => m.internetMessageId)
    ).toStrictEqual([mid('second'), mid('first')]);
    expect(stack.graph.stats().listed - before).toBe(3);

    expect(
      code(await graph('GET', `/mailFolders/inbox/messages${q({ $orderby: 'subject' })}`))[0]
    ).toBe(400);
    expect(code(await graph('GET', `/mailFolders/inbox/messages${q({ $top: 'ten' })}`))[0]).toBe(
      400
    );
  });

  test('$value is the message’s exact MIME from Dovecot, as text/plain', async () => {
    const list = await graph(
      'GET',
      `/mailFolders/inbox/messages${q({ $orderby: 'receivedDateTime asc' })}`
    );
    const before = stack.graph.stats().fetched;
    for (const [i, which] of (['first', 'second'] as const).entries()) {
      const mime = await graph('GET', `/messages/${list.json.value[i].id}/$value`);
      expect(mime.status).toBe(200);
      expect(String(mime.headers['content-type'])).toMatch(/^text\/plain/);
      expect(Buffer.compare(mime.raw, raws[which])).toBe(0);
    }
    // Encoded as a client may send it.
    expect((await graph('GET', `/messages/${list.json.value[0].id}/%24value`)).status).toBe(200);
    expect(stack.graph.stats().fetched - before).toBe(3);
  });

  test('folders: create (201), the same name again (409), $filter with a quote, child folders', async () => {
    const name = "Jo's approvals";
    const created = await graph('POST', '/mailFolders', { displayName: name });
    expect(created.status).toBe(201);
    const root = (await graph('GET', '/mailFolders/msgfolderroot')).json as Folder;
    expect(created.json).toMatchObject({
      displayName: name,
      parentFolderId: root.id,
      childFolderCount: 0,
      totalItemCount: 0,
    });
    expect(code(await graph('POST', '/mailFolders', { displayName: name }))).toStrictEqual([
      409,
      'ErrorFolderExists',
    ]);
    // Exchange's names are case-insensitive, and Inbox is taken.
    expect(code(await graph('POST', '/mailFolders', { displayName: name.toUpperCase() }))[1]).toBe(
      'ErrorFolderExists'
    );
    expect(code(await graph('POST', '/mailFolders', { displayName: 'inbox' }))[1]).toBe(
      'ErrorFolderExists'
    );

    const found = await graph(
      'GET',
      `/mailFolders${q({ $filter: "displayName eq 'Jo''s approvals'" })}`
    );
    expect(found.status).toBe(200);
    expect(found.json.value).toStrictEqual([created.json]);
    const none = await graph('GET', `/mailFolders${q({ $filter: "displayName eq 'Jo'" })}`);
    expect(none.json.value).toStrictEqual([]);
    const all = await graph('GET', '/mailFolders');
    expect(all.json.value.map((f: Folder) => f.displayName).sort()).toStrictEqual(['Inbox', name]);
    for (const filter of [
      "startswith(displayName,'Jo')",
      "displayName eq 'Jo's'",
      "subject eq 'x'",
    ]) {
      expect(code(await graph('GET', `/mailFolders${q({ $filter: filter })}`))).toStrictEqual([
        400,
        'ErrorInvalidUrlQueryFilter',
      ]);
    }

    const inbox = (await graph('GET', '/mailFolders/inbox')).json as Folder;
    const child = await graph('POST', '/mailFolders/inbox/childFolders', {
      displayName: 'Processed',
    });
    expect(child.status).toBe(201);
    expect(child.json.parentFolderId).toBe(inbox.id);
    expect(
      code(
        await graph('POST', `/mailFolders/${inbox.id}/childFolders`, { displayName: 'Processed' })
      )
    ).toStrictEqual([409, 'ErrorFolderExists']);
    const children = await graph(
      'GET',
      `/mailFolders/${inbox.id}/childFolders${q({ $filter: "displayName eq 'Processed'" })}`
    );
    expect(children.json.value).toStrictEqual([child.json]);
    expect((await graph('GET', '/mailFolders/inbox')).json.childFolderCount).toBe(1);
    // The top level leaves INBOX's children out.
    expect((await graph('GET', '/mailFolders')).json.value).toHaveLength(2);

    const { folders } = await dovecot();
    expect(folders).toEqual(
      expect.arrayContaining([
        { path: name, parentPath: '' },
        { path: expect.stringMatching(/^INBOX.Processed$/), parentPath: 'INBOX' },
      ])
    );
    expect(stack.graph.stats().foldersCreated).toBe(2);
  });

  test('move: a real IMAP MOVE, the moved message’s new id answered; stale ids and unknown folders are 404', async () => {
    const name = 'Moved here';
    const target = (await graph('POST', '/mailFolders', { displayName: name })).json as Folder;
    const [oldest] = (
      await graph(
        'GET',
        `/mailFolders/inbox/messages${q({ $orderby: 'receivedDateTime asc', $top: '1' })}`
      )
    ).json.value;
    const before = stack.graph.stats().moved;

    const moved = await graph('POST', `/messages/${oldest.id}/move`, { destinationId: target.id });
    expect(moved.status).toBe(201);
    expect(moved.json.internetMessageId).toBe(mid('first'));
    expect(moved.json.id).not.toBe(oldest.id);
    expect(moved.json.parentFolderId).toBe(target.id);
    expect(stack.graph.stats().moved - before).toBe(1);

    expect((await dovecot(name)).messageIds).toStrictEqual([mid('first')]);
    expect((await dovecot('INBOX')).messageIds).toStrictEqual([mid('second')]);
    expect((await graph('GET', `/mailFolders/${target.id}`)).json.totalItemCount).toBe(1);
    expect(
      Buffer.compare((await graph('GET', `/messages/${moved.json.id}/$value`)).raw, raws.first)
    ).toBe(0);

    // The id it had in the inbox names nothing now.
    expect(code(await graph('GET', `/messages/${oldest.id}/$value`))).toStrictEqual([
      404,
      'ErrorItemNotFound',
    ]);
    expect(
      code(await graph('POST', `/messages/${oldest.id}/move`, { destinationId: 'inbox' }))
    ).toStrictEqual([404, 'ErrorItemNotFound']);

    // A folder that no longer exists, as a destination and as a folder.
    const client = await connect(stack, user);
    await client.mailboxCreate('Gone');
    await client.logout();
    const gone = (await graph('GET', `/mailFolders${q({ $filter: "displayName eq 'Gone'" })}`)).json
      .value[0] as Folder;
    const again = await connect(stack, user);
    await again.mailboxDelete('Gone');
    await again.logout();
    expect(
      code(await graph('POST', `/messages/${moved.json.id}/move`, { destinationId: gone.id }))
    ).toStrictEqual([404, 'ErrorItemNotFound']);
    expect(code(await graph('GET', `/mailFolders/${gone.id}`))).toStrictEqual([
      404,
      'ErrorItemNotFound',
    ]);
    expect(code(await graph('GET', `/mailFolders/${gone.id}/messages`))).toStrictEqual([
      404,
      'ErrorItemNotFound',
    ]);
    // A folder's display name is not its id (Graph: malformed id).
    expect(
      code(await graph('POST', `/messages/${moved.json.id}/move`, { destinationId: name }))
    ).toStrictEqual([400, 'ErrorInvalidIdMalformed']);

    // Back by well-known name.
    const back = await graph('POST', `/messages/${moved.json.id}/move`, { destinationId: 'Inbox' });
    expect([back.status, back.json.internetMessageId]).toStrictEqual([201, mid('first')]);
    expect((await dovecot('INBOX')).messageIds.sort()).toStrictEqual(
      [mid('first'), mid('second')].sort()
    );
  });

  test('a message id from before the folder was recreated (another UIDVALIDITY) is 404', async () => {
    const client = await connect(stack, user);
    await client.mailboxCreate('Recreated');
    await client.logout();
    await appendRaw(stack, user, message('recreated'), 'Recreated');
    const folder = (
      await graph('GET', `/mailFolders${q({ $filter: "displayName eq 'Recreated'" })}`)
    ).json.value[0] as Folder;
    const [msg] = (await graph('GET', `/mailFolders/${folder.id}/messages`)).json.value;
    expect((await graph('GET', `/messages/${msg.id}/$value`)).status).toBe(200);

    const again = await connect(stack, user);
    await again.mailboxDelete('Recreated');
    await again.mailboxCreate('Recreated');
    await again.logout();
    await appendRaw(stack, user, message('recreated'), 'Recreated');
    // Same path, same UID 1: only UIDVALIDITY tells the two apart.
    expect(code(await graph('GET', `/messages/${msg.id}/$value`))).toStrictEqual([
      404,
      'ErrorItemNotFound',
    ]);
    const [now] = (await graph('GET', `/mailFolders/${folder.id}/messages`)).json.value;
    expect(now.id).not.toBe(msg.id);
    expect((await graph('GET', `/messages/${now.id}/$value`)).status).toBe(200);
  });

  test('permissions: Mail.Send only is 403 everywhere, Mail.Read reads but cannot write, a delegated token only its own mailbox', async () => {
    const inbox = (await graph('GET', '/mailFolders/inbox')).json as Folder;
    const [msg] = (await graph('GET', '/mailFolders/inbox/messages')).json.value;
    const calls: Array<[method: 'GET' | 'POST', path: string, body?: unknown]> = [
      ['GET', '/mailFolders/inbox'],
      ['GET', `/mailFolders/${inbox.id}`],
      ['GET', `/mailFolders${q({ $filter: "displayName eq 'Inbox'" })}`],
      ['GET', '/mailFolders/inbox/childFolders'],
      ['GET', '/mailFolders/inbox/messages'],
      ['GET', `/messages/${msg.id}/$value`],
      ['POST', '/mailFolders', { displayName: 'Never' }],
      ['POST', '/mailFolders/inbox/childFolders', { displayName: 'Never' }],
      ['POST', `/messages/${msg.id}/move`, { destinationId: 'inbox' }],
    ];
    const sendOnly = await tokenFor(
      registerApp(stack, { mailbox: MAILBOX, graphRoles: ['Mail.Send'] })
    );
    for (const [method, path, body] of calls) {
      expect([path, ...code(await graph(method, path, body, { token: sendOnly }))]).toStrictEqual([
        path,
        403,
        'ErrorAccessDenied',
      ]);
    }

    const readOnly = await tokenFor(
      registerApp(stack, { mailbox: MAILBOX, graphRoles: ['Mail.Read'] })
    );
    for (const [method, path, body] of calls) {
      expect([path, (await graph(method, path, body, { token: readOnly })).status]).toStrictEqual([
        path,
        method === 'GET' ? 200 : 403,
      ]);
    }

    // A delegated (ROPC) token of the mailbox's user: its own mailbox, not another one.
    const delegated = await tokenFor(app, {
      grant_type: 'password',
      username: MAILBOX,
      password: user.password,
      scope: 'https://graph.microsoft.com/Mail.ReadWrite',
    });
    expect((await graph('GET', '/mailFolders/inbox', undefined, { token: delegated })).status).toBe(
      200
    );
    expect(
      code(
        await graph('GET', '/mailFolders/inbox', undefined, {
          token: delegated,
          mailbox: 'editor@example.test',
        })
      )
    ).toStrictEqual([403, 'ErrorAccessDenied']);
    expect(
      code(await graph('GET', '/mailFolders/inbox', undefined, { mailbox: 'nobody@example.test' }))
    ).toStrictEqual([404, 'ErrorInvalidUser']);
  });

  test('an access policy (403) and throttling (429 with Retry-After) apply to the mailbox endpoints', async () => {
    stack.graph.throttle(1, 3);
    const throttled = await graph('GET', '/mailFolders/inbox/messages');
    expect([...code(throttled), throttled.headers['retry-after']]).toStrictEqual([
      429,
      'ApplicationThrottled',
      '3',
    ]);
    expect((await graph('GET', '/mailFolders/inbox/messages')).status).toBe(200);

    const other = 'policy@example.test';
    const app2 = registerApp(stack, { mailbox: other });
    stack.graph.denyMailbox(other);
    expect(
      code(
        await graph('GET', '/mailFolders/inbox', undefined, {
          token: await tokenFor(app2),
          mailbox: other,
        })
      )
    ).toStrictEqual([403, 'ErrorAccessDenied']);
  });

  test('one IMAP connection per mailbox, kept across requests and made again after Dovecot restarted', async () => {
    await graph('GET', '/mailFolders/inbox');
    const before = stack.graph.stats().imapLogins;
    await Promise.all([
      graph('GET', '/mailFolders/inbox'),
      graph('GET', '/mailFolders/inbox/messages'),
      graph('GET', '/mailFolders'),
    ]);
    expect(stack.graph.stats().imapLogins).toBe(before);

    await stack.dovecot!.stop();
    await stack.dovecot!.start();
    const after = await graph('GET', '/mailFolders/inbox');
    expect([after.status, after.json.totalItemCount]).toStrictEqual([200, 2]);
    expect(stack.graph.stats().imapLogins).toBe(before + 1);
  });
});
