/**
 * analyzeReply on hand-written replies from the clients approvers use (test/fixtures/reply-*.eml,
 * all answering the same approval request) and on what must never decide: auto-replies,
 * bounces, list mail, our own mail, and hostile input. Assertions are on kinds, decisions and
 * reason codes; comments are compared where the client's formatting is part of the point.
 */
import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { analyzeReply, replyAnalysisSchema, type ReplyAnalysis } from '../../server/src/mail/reply';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const REF = 'APR-1042-0-k7GQ2xbT9mZpW4sLr3D1aA';
const OWN = ['approvals@cms.example.test'];

const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
async function analyze(name: string): Promise<ReplyAnalysis> {
  const analysis = await analyzeReply(fixture(name), { ownAddresses: OWN });
  replyAnalysisSchema.parse(analysis);
  return analysis;
}

/** A minimal message for header-driven cases; `head` lines come before the defaults. */
const message = (head: string, body = 'APPROVE\r\n') =>
  Buffer.from(
    `${head}${head ? '\r\n' : ''}From: Mark <mark@example.test>\r\nTo: approvals@cms.example.test\r\n` +
      `Subject: Re: Approval requested\r\nMessage-ID: <m1@example.test>\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`
  );

describe('replies from mail clients', () => {
  const cases: Array<[string, 'approve' | 'reject', string]> = [
    [
      'reply-outlook-desktop.eml',
      'approve',
      'Looks good to me, please publish before Friday.\n\nKind regards,\nMark Jansen\nHead of Content',
    ],
    ['reply-outlook-mobile.eml', 'reject', 'the hero image is still the old logo'],
    ['reply-gmail-html-only.eml', 'approve', 'Ship it — nice work on the intro.\n\nLea'],
    ['reply-apple-iphone.eml', 'approve', ''],
    ['reply-de-genehmigt.eml', 'approve', 'Viele Grüße\nJonas Müller'],
    ['reply-fr-refuse.eml', 'reject', 'le titre contient une faute.'],
    ['reply-es-aprobado.eml', 'approve', ''],
    ['reply-it-respinto.eml', 'reject', 'manca la traduzione inglese.'],
    ['reply-nl-goedgekeurd.eml', 'approve', ''],
    ['reply-pt-aprovado.eml', 'approve', ''],
  ];
  for (const [name, decision, comment] of cases) {
    test(`${name} decides ${decision} with the comment, quotes and signature stripped`, async () => {
      const a = await analyze(name);
      expect(a.kind).toBe('reply');
      expect(a.decision).toBe(decision);
      expect(a.comment).toBe(comment);
      expect(a.reason).toBe(undefined);
      expect(a.reference).toBe(REF);
      expect(a.inReplyTo ?? '').toMatch(/^<apr\.1042\.\d+\.\w+@cms\.example\.test>$/);
      expect(a.references).toStrictEqual([a.inReplyTo]);
      expect(a.text).not.toMatch(/Anna Berger|Sent from|Get Outlook|Inviato|Enviado|Verzonden/);
    });
  }

  const multipart = [
    'reply-outlook-desktop.eml',
    'reply-outlook-mobile.eml',
    'reply-apple-iphone.eml',
    'reply-fr-refuse.eml',
  ];
  for (const name of multipart) {
    test(`${name}: its HTML part alone decides the same, with the same comment`, async () => {
      const withText = await analyze(name);
      const html = (await simpleParser(fixture(name))).html as string;
      const body = Buffer.from(html).toString('base64').replace(/.{76}/g, '$&\r\n');
      const htmlOnly = await analyzeReply(
        Buffer.from(
          `From: a@example.test\r\nSubject: Re: x\r\nMIME-Version: 1.0\r\n` +
            `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}`
        )
      );
      expect([htmlOnly.decision, htmlOnly.comment]).toStrictEqual([
        withText.decision,
        withText.comment,
      ]);
    });
  }

  test('addresses come back lowercased, encoded display names do not matter', async () => {
    expect((await analyze('reply-outlook-desktop.eml')).from).toBe('mark.jansen@example.test');
    expect((await analyze('reply-de-genehmigt.eml')).from).toBe('jonas.mueller@example.test');
    const outlook = await analyze('reply-outlook-desktop.eml');
    expect(outlook.messageId).toBe(
      '<AM0PR10MB2947C1E3D4F5A6B7C8D9E0F1A2B3C@AM0PR10MB2947.eurprd10.prod.outlook.com>'
    );
    expect(outlook.subject).toMatch(/^RE: Approval requested: Spring launch article/);
  });
});

describe('the sender: one provable address, or none', () => {
  const withFrom = (headers: string) =>
    Buffer.from(
      `${headers}\r\nTo: approvals@cms.example.test\r\nSubject: Re: Approval requested\r\n` +
        `Message-ID: <s1@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAPPROVE\r\n`
    );
  const senderOf = async (headers: string) => (await analyzeReply(withFrom(headers))).from;

  test('a single From is the sender, whatever its display name says of itself', async () => {
    expect(await senderOf('From: Anna <Approver@Example.test>')).toBe('approver@example.test');
    expect(await senderOf('From: "approver@example.test" <approver@example.test>')).toBe(
      'approver@example.test'
    );
    expect(
      await senderOf('From: Anna <approver@example.test>\r\nSender: approver@example.test')
    ).toBe('approver@example.test');
  });

  // '' matches no approver: the reply is quarantined (wrong-sender), never decided.
  const refused: Array<[string, string]> = [
    ['two From addresses', 'From: approver@example.test, attacker@evil.test'],
    ['a group', 'From: Team: approver@example.test;'],
    ['an address glued after the angle address', 'From: <approver@example.test>attacker@evil.test'],
    ['a display name naming another address', 'From: "approver@example.test" <attacker@evil.test>'],
    ['a Sender who is someone else', 'From: approver@example.test\r\nSender: attacker@evil.test'],
  ];
  for (const [what, headers] of refused) {
    test(`${what}: no sender`, async () => {
      expect(await senderOf(headers)).toBe('');
    });
  }
});

describe('replies that do not decide', () => {
  test('"I do not approve" is negated', async () => {
    const a = await analyze('reply-negated.eml');
    expect([a.kind, a.decision, a.reason]).toStrictEqual(['reply', null, 'negated']);
  });

  test('a "not" in the comment on the REJECT line is doubt too (Thunderbird, format=flowed)', async () => {
    // "REJECT Wrong category: this belongs in "Press", not "Blog". The rest is fine."
    const a = await analyze('reply-thunderbird.eml');
    expect([a.kind, a.decision, a.reason]).toStrictEqual(['reply', null, 'negated']);
    expect(a.reference).toBe(REF);
    expect(a.text).toMatch(/^REJECT Wrong category: this belongs in "Press", not "Blog"\./);
    expect(a.text).not.toMatch(/Anna Berger|Content Approvals wrote/);
  });

  test('APPROVE only in the quoted request decides nothing', async () => {
    const a = await analyze('reply-approve-only-in-quote.eml');
    expect([a.decision, a.reason]).toStrictEqual([null, 'no-decision-line']);
    expect(a.text).toBe('Will look at it tomorrow morning.');
    expect(a.comment).toBe('');
  });

  test('an empty Outlook reply (the request follows unquoted) decides nothing', async () => {
    const a = await analyze('reply-outlook-empty.eml');
    expect([a.decision, a.reason, a.text]).toStrictEqual([null, 'no-decision-line', '']);
  });
});

describe('mail that is not a reply', () => {
  test('an out-of-office quoting the request is an auto-reply', async () => {
    const a = await analyze('reply-auto-reply.eml');
    expect([a.kind, a.decision, a.reason]).toStrictEqual(['auto-reply', null, 'auto-submitted']);
  });

  test('a DSN carrying the original request (with APPROVE in it) is a bounce', async () => {
    const a = await analyze('reply-dsn.eml');
    expect([a.kind, a.decision, a.reason]).toStrictEqual(['bounce', null, 'dsn']);
    expect(a.reference).toBe(REF); // the token of the bounced request is found in the attachment
  });

  test('mailing-list traffic is other/list', async () => {
    const a = await analyze('reply-mailing-list.eml');
    expect([a.kind, a.decision, a.reason]).toStrictEqual(['other', null, 'list']);
  });

  test('our own notification is own-mail, or an auto-reply when our address is not given', async () => {
    const own = await analyze('reply-own-notification.eml');
    expect([own.kind, own.reason]).toStrictEqual(['other', 'own-mail']);
    const unknown = await analyzeReply(fixture('reply-own-notification.eml'));
    expect([unknown.kind, unknown.reason]).toStrictEqual(['auto-reply', 'auto-submitted']);
  });

  const autoHeaders: Array<[string, string, string]> = [
    [
      'Auto-Submitted: auto-replied; owner-email="mark@example.test"',
      'auto-submitted',
      'params after ;',
    ],
    ['Auto-Submitted: auto-generated', 'auto-submitted', 'auto-generated'],
    ['Precedence: bulk', 'precedence', 'precedence bulk'],
    ['Precedence: auto_reply', 'precedence', 'precedence auto_reply'],
    ['X-Autoreply: yes', 'auto-reply-header', 'X-Autoreply'],
    ['X-Autorespond: 1', 'auto-reply-header', 'X-Autorespond'],
    ['X-Auto-Generated: true', 'auto-reply-header', 'any auto-generated header'],
  ];
  for (const [header, reason, label] of autoHeaders) {
    test(`"APPROVE" in an auto-reply never decides (${label})`, async () => {
      const a = await analyzeReply(message(header));
      expect([a.kind, a.decision, a.reason]).toStrictEqual(['auto-reply', null, reason]);
    });
  }

  test('Auto-Submitted: no and X-Auto-Response-Suppress leave a reply a reply', async () => {
    const a = await analyzeReply(message('Auto-Submitted: no\r\nX-Auto-Response-Suppress: All'));
    expect([a.kind, a.decision]).toStrictEqual(['reply', 'approve']);
  });

  const subjects = [
    'Automatic reply: Approval requested',
    'Out of Office: Approval requested',
    'Abwesenheitsnotiz: Approval requested',
    'Réponse automatique : Approval requested',
    'Respuesta automática: Approval requested',
    'Risposta automatica: Approval requested',
    'Automatisch antwoord: Approval requested',
    'Resposta automática: Approval requested',
    'Autosvar: Approval requested',
    'Frånvaro: Approval requested',
    'Fuori sede: Approval requested',
  ];
  for (const subject of subjects) {
    test(`the out-of-office subject "${subject}" makes an auto-reply`, async () => {
      const raw = message('')
        .toString()
        .replace('Subject: Re: Approval requested', `Subject: ${subject}`);
      const a = await analyzeReply(Buffer.from(raw));
      expect([a.kind, a.reason]).toStrictEqual(['auto-reply', 'auto-reply-subject']);
    });
  }

  for (const sender of [
    'MAILER-DAEMON@mx.example.test',
    'postmaster@example.test',
    'noreply@example.test',
  ]) {
    test(`mail from ${sender} is never a reply`, async () => {
      const raw = message('').toString().replace('Mark <mark@example.test>', sender);
      const a = await analyzeReply(Buffer.from(raw));
      expect(a.kind).toBe('auto-reply');
      expect(a.reason).toBe('auto-sender');
    });
  }

  test('a read receipt (multipart/report; disposition-notification) is an auto-reply', async () => {
    const raw = Buffer.from(
      'From: Mark <mark@example.test>\r\nSubject: Read: Approval requested\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\n\r\nAPPROVE\r\n--b\r\n' +
        'Content-Type: message/disposition-notification\r\n\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n--b--\r\n'
    );
    const a = await analyzeReply(raw);
    expect([a.kind, a.decision, a.reason]).toStrictEqual(['auto-reply', null, 'mdn']);
  });
});

describe('references and threading', () => {
  test('the reference comes from the subject first', async () => {
    const a = await analyze('reply-outlook-desktop.eml');
    expect(a.reference).toBe(REF);
    expect(a.inReplyTo).toBe('<apr.1042.0.k7GQ2xbT@cms.example.test>');
  });

  test('with an edited subject and no threading headers, the quoted request gives the reference', async () => {
    const a = await analyze('reply-reference-in-quote.eml');
    expect([a.decision, a.reference, a.inReplyTo]).toStrictEqual(['approve', REF, null]);
    expect(a.references).toStrictEqual([]);
  });

  test('two different tokens in the subject are ambiguous: no reference at all', async () => {
    const raw = message('')
      .toString()
      .replace('Subject: Re: Approval requested', `Subject: Re: ${REF} APR-2000-1-zzzzzzzz`);
    expect((await analyzeReply(Buffer.from(raw))).reference).toBe(null);
  });

  test('References are unfolded, deduplicated and cut to the last 32', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `<r${i}@example.test>`);
    const folded = `References: ${ids.slice(0, 20).join('\r\n ')}\r\nReferences: ${ids.slice(15).join(' ')}`;
    const a = await analyzeReply(message(`${folded}\r\nIn-Reply-To: r39@example.test`));
    expect(a.references).toStrictEqual(ids.slice(-32));
    expect(a.inReplyTo).toBe('<r39@example.test>'); // a bare msg-id gets its angle brackets back
  });
});
