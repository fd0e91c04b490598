/**
 * A saved secret goes only to the exact destination it was saved for (issue #11, point 3).
 * Each route that used to leak is tried against an attacker's servers on loopback (an SMTP
 * server that takes any login, an identity platform that relays to the real one and records
 * everything): the trap must receive nothing. Each group has a control that types the secret on
 * purpose and sees the trap receive it, so "nothing arrived" cannot pass by the trap being deaf.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { connectionTestResultSchema } from '../../shared/contracts/connection-test';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { connectAccount, oauthSections, registerApp } from '../helpers/oauth2';
import { startSecretTrap, type SecretTrap } from '../helpers/secret-trap';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { startMailStack } from '../mailstack';
import type { IdentityClient, MailStack, MailUser } from '../mailstack/types';

const GRAPH = ['https://graph.microsoft.com/.default'];
const CONNECTION = 'plugin::mail-server.oauth-connection';

describe('secrets are bound to their destination', () => {
  let stack: MailStack;
  let trap: SecretTrap;
  let app: TestStrapi;
  let admin: AdminSession;
  let sender: MailUser;
  let client: IdentityClient;

  const http = () => request(app.strapi.server.httpServer);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${admin.token}`);
  const save = (body: object) => auth(http().put('/mail-server/settings')).send(body);
  const saved = async (body: object) => (await save(body)).status;
  const view = async () => (await auth(http().get('/mail-server/settings')).expect(200)).body.data;
  const probe = async (kind: 'smtp' | 'imap', body: object) => {
    const res = await auth(http().post(`/mail-server/connection-test/${kind}`))
      .send(body)
      .expect(200);
    return connectionTestResultSchema.parse(res.body.data);
  };
  const basic = (over: object = {}) => ({
    host: '127.0.0.1',
    port: stack.smtp.port,
    security: 'starttls',
    username: sender.address,
    fromAddress: sender.address,
    ...over,
  });
  const withoutSecrets = <T extends { smtp: object }>(sections: T) => {
    const { password: _p, oauth2, ...smtp } = sections.smtp as Record<string, unknown>;
    const { clientSecret: _s, ...rest } = oauth2 as Record<string, unknown>;
    return { ...smtp, oauth2: rest } as Record<string, unknown> & { oauth2: object };
  };

  beforeAll(async () => {
    stack = await startMailStack();
    trap = await startSecretTrap(stack);
    sender = stack.users.find((u) => u.address.startsWith('editor@'))!;
    client = registerApp(stack, { mailbox: sender.address });
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_RETRY_DELAY_MS: '20' });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  afterAll(async () => {
    await app?.stop();
    await trap?.close();
    await stack?.stop();
  });
  beforeEach(() => trap.reset());

  describe('password login', () => {
    beforeAll(async () => {
      expect(await saved({ smtp: basic({ password: sender.password }) })).toBe(200);
    });

    test('Test with another port and no password typed: ESECRETDEST, the trap gets nothing', async () => {
      const result = await probe('smtp', { smtp: basic({ port: trap.smtpPort }) });
      expect(result.error?.code).toBe('ESECRETDEST');
      expect(result.steps).toHaveLength(0);
      expect(trap.touched()).toBe(false);
    });

    test('control: the password typed in the form does reach the trap', async () => {
      const typed = 'typed-on-purpose-1';
      await probe('smtp', { smtp: basic({ port: trap.smtpPort, password: typed }) });
      expect(trap.received(typed)).toBe(true);
    });

    test('security "none" against the saved server is another destination: nothing in clear', async () => {
      // The trap as the saved server, over STARTTLS; then a Test that asks for no encryption.
      const password = 'saved-for-starttls';
      expect(await saved({ smtp: basic({ port: trap.smtpPort, password }) })).toBe(200);
      const result = await probe('smtp', {
        smtp: basic({ port: trap.smtpPort, security: 'none' }),
      });
      expect(result.error?.code).toBe('ESECRETDEST');
      expect(trap.touched()).toBe(false);
      // control: the saved settings themselves log in, encrypted
      const ok = await probe('smtp', {});
      expect(ok.ok).toBe(true);
      expect(trap.logins.map((l) => [l.password, l.secure])).toEqual([[password, true]]);
      expect(await saved({ smtp: basic({ password: sender.password }) })).toBe(200);
    });

    test('a save that moves the password to another port is refused; nothing half-applied or sent', async () => {
      const res = await save({ smtp: basic({ port: trap.smtpPort }) });
      expect(res.status).toBe(400);
      expect(res.body.error.details.code).toBe('ESECRETDEST');
      expect(res.body.error.details.errors[0].path).toEqual(['smtp', 'password']);
      expect((await view()).smtp.port).toBe(stack.smtp.port);
      await app.strapi
        .plugin('email')
        .service('email')
        .send({ to: sender.address, subject: 'still to the saved server', text: 'x' });
      expect(trap.touched()).toBe(false);
    });

    test('a save to another host with the password typed again is accepted', async () => {
      expect(await saved({ smtp: basic({ host: 'localhost', password: sender.password }) })).toBe(
        200
      );
      expect((await view()).smtp.passwordSet).toBe(true);
      expect(await saved({ smtp: basic({ password: sender.password }) })).toBe(200);
    });

    test('a save that no longer logs in clears the password instead of keeping it', async () => {
      expect(await saved({ smtp: basic({ username: '' }) })).toBe(200);
      expect((await view()).smtp.passwordSet).toBe(false);
    });
  });

  describe('OAuth2 client credentials', () => {
    const sections = () => oauthSections(stack, client, { mailbox: sender.address });
    beforeAll(async () => {
      expect(await saved({ smtp: sections().smtp })).toBe(200);
    });

    test('Test against another server with Graph scopes: ESECRETDEST, no token anywhere', async () => {
      const before = stack.idp.tokenRequests();
      const form = { ...withoutSecrets(sections()), port: trap.smtpPort };
      const result = await probe('smtp', {
        smtp: { ...form, oauth2: { ...form.oauth2, scopes: GRAPH } },
      });
      expect(result.error?.code).toBe('ESECRETDEST');
      expect(trap.touched()).toBe(false);
      expect(stack.idp.tokenRequests()).toBe(before);
    });

    test('another scope alone is another destination', async () => {
      const form = withoutSecrets(sections());
      const result = await probe('smtp', {
        smtp: { ...form, oauth2: { ...form.oauth2, scopes: GRAPH } },
      });
      expect(result.error?.code).toBe('ESECRETDEST');
    });

    test('control: the saved settings get a token and log in to the real server', async () => {
      const result = await probe('smtp', {});
      expect(result.ok).toBe(true);
    });

    test('a save that moves the client secret is refused at the client secret field', async () => {
      const res = await save({ smtp: { ...withoutSecrets(sections()), port: trap.smtpPort } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.code).toBe('ESECRETDEST');
      expect(res.body.error.details.errors[0].path).toEqual(['smtp', 'oauth2', 'clientSecret']);
      expect(trap.touched()).toBe(false);
    });
  });

  describe('OAuth2 password grant', () => {
    const sections = () =>
      oauthSections(stack, client, {
        grant: 'password',
        mailbox: sender.address,
        password: sender.password,
      });
    beforeAll(async () => {
      expect(await saved({ smtp: sections().smtp })).toBe(200);
    });

    test('Test with another identity platform host: the password is not posted there', async () => {
      const form = withoutSecrets(sections());
      const result = await probe('smtp', {
        smtp: { ...form, oauth2: { ...form.oauth2, authorityHost: trap.authorityHost } },
      });
      expect(result.error?.code).toBe('ESECRETDEST');
      expect(trap.touched()).toBe(false);
    });

    test('control: typed secrets do reach the fake identity platform', async () => {
      const typed = { password: 'typed-password-2', clientSecret: 'typed-client-secret-2' };
      const form = withoutSecrets(sections());
      await probe('smtp', {
        smtp: {
          ...form,
          password: typed.password,
          oauth2: {
            ...form.oauth2,
            authorityHost: trap.authorityHost,
            clientSecret: typed.clientSecret,
          },
        },
      });
      expect(trap.received(typed.password)).toBe(true);
      expect(trap.received(typed.clientSecret)).toBe(true);
    });

    test('a save with another identity platform host and no password typed is refused', async () => {
      const form = withoutSecrets(sections());
      const res = await save({
        smtp: {
          ...form,
          oauth2: { ...form.oauth2, authorityHost: trap.authorityHost, clientSecret: 'new' },
        },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.code).toBe('ESECRETDEST');
      expect(res.body.error.details.errors[0].path).toEqual(['smtp', 'password']);
      expect(trap.touched()).toBe(false);
    });
  });

  describe('OAuth2 authorization code (the connected account)', () => {
    const sections = () =>
      oauthSections(stack, client, { grant: 'authorization_code', mailbox: sender.address });
    beforeAll(async () => {
      expect(await saved({ smtp: sections().smtp })).toBe(200);
      const outcome = await connectAccount(app.strapi, admin, stack, 'smtp', sender);
      expect(outcome.query.get('oauth')).toBe('connected');
    });

    test('Test against another server, even with the client secret typed: no refresh token used', async () => {
      const form = sections().smtp;
      const result = await probe('smtp', { smtp: { ...form, port: trap.smtpPort } });
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('EOAUTH2');
      expect(trap.logins).toHaveLength(0);
      // control: the saved destination still uses the connected account
      expect((await probe('smtp', {})).ok).toBe(true);
    });

    test('a save that changes the destination removes the connected account', async () => {
      expect(await app.strapi.db.query(CONNECTION).count({})).toBe(1);
      expect(await saved({ smtp: { ...sections().smtp, host: 'localhost' } })).toBe(200);
      expect(await app.strapi.db.query(CONNECTION).count({})).toBe(0);
    });
  });
});
