/**
 * Reply trimming cases the corpora do not pin down: the Outlook header blocks and quote
 * headers of each supported language, separators, and the deliberate rules (a header block or
 * a forward at the top leaves nothing; text after >-quotes is a bottom-posted reply).
 */
import { describe, expect, test } from '@jest/globals';
import { trimReply } from '../../server/src/mail/reply';

const ORIGINAL = 'APPROVE\nLooks good.\n\nREJECT The title has a typo.';

describe('localized quote markers end the reply', () => {
  const blocks: Record<string, string> = {
    en: 'From: A <a@x.test>\nSent: Monday, March 3, 2025 10:12 AM\nTo: B\nSubject: X',
    de: 'Von: A <a@x.test>\nGesendet: Montag, 3. März 2025 10:12\nAn: B\nBetreff: X',
    fr: 'De : A <a@x.test>\nEnvoyé : lundi 3 mars 2025 10:12\nÀ : B\nObjet : X',
    es: 'De: A <a@x.test>\nEnviado: lunes, 3 de marzo de 2025 10:12\nPara: B\nAsunto: X',
    it: 'Da: A <a@x.test>\nInviato: lunedì 3 marzo 2025 10:12\nA: B\nOggetto: X',
    nl: 'Van: A <a@x.test>\nVerzonden: maandag 3 maart 2025 10:12\nAan: B\nOnderwerp: X',
    pt: 'De: A <a@x.test>\nEnviada em: segunda-feira, 3 de março de 2025 10:12\nPara: B\nAssunto: X',
    sv: 'Från: A <a@x.test>\nSkickat: den 3 mars 2025 10:12\nTill: B\nÄmne: X',
    pl: 'Od: A <a@x.test>\nWysłano: poniedziałek, 3 marca 2025 10:12\nDo: B\nTemat: X',
    ru: 'От: A <a@x.test>\nОтправлено: 3 марта 2025 г. 10:12\nКому: B\nТема: X',
    zh: '发件人: A <a@x.test>\n发送时间: 2025年3月3日 10:12\n收件人: B\n主题: X',
    'From and Sent only': 'From: A <a@x.test>\nSent: Monday, March 3, 2025 10:12 AM',
    'bold (Outlook web as text)': '*From:* A <a@x.test>\n*Sent:* Monday\n*To:* B\n*Subject:* X',
  };
  for (const [language, block] of Object.entries(blocks)) {
    test(`Outlook header block (${language})`, () => {
      expect(trimReply(`REJECT typo\n\n${block}\n\n${ORIGINAL}`)).toBe('REJECT typo');
    });
  }

  const markers = [
    '-----Original Message-----',
    '----- Reply message -----',
    'Begin forwarded message:',
    '-----Ursprüngliche Nachricht-----',
    '-------- Mensaje original --------',
    "-------- Message d'origine --------",
    '-------- Messaggio originale --------',
    '-------- Oorspronkelijk bericht --------',
    '-------- Mensagem original --------',
    '------------------ 原始邮件 ------------------',
    '________________________________',
    'On Mon, Mar 3, 2025 at 10:12 AM A <a@x.test> wrote:',
    'Le lun. 3 mars 2025 à 10:12, A <a@x.test> a écrit :',
    'Am Mo., 3. März 2025 um 10:12 Uhr schrieb A <a@x.test>:',
    'El lun, 3 mar 2025 a las 10:12, A (<a@x.test>) escribió:',
    'Il giorno lun 3 mar 2025 alle ore 10:12 A <a@x.test> ha scritto:',
    'Op ma 3 mrt 2025 om 10:12 schreef A <a@x.test>:',
    'Em seg., 3 de mar. de 2025 às 10:12, A <a@x.test> escreveu:',
    'W dniu 3.03.2025 o 10:12, A pisze:',
    'Dnia 3 marca 2025 10:12 A <a@x.test> napisał(a):',
    'Den 3 mars 2025 kl. 10:12 skrev A <a@x.test>:',
    '在 2025年3月3日 10:12，A <a@x.test> 写道：',
    'пн, 3 мар. 2025 г. в 10:12, A <a@x.test>:',
    '3 марта 2025 г., в 10:12, пользователь A <a@x.test> написал:',
    'On Mon, Mar 3, 2025 at 10:12 AM A <\na@x.test> wrote:',
    'Le lun. 3 mars 2025 à 10:12, A <a@x.test> a\nécrit :',
  ];
  for (const marker of markers) {
    test(`quote header or separator ${JSON.stringify(marker)}`, () => {
      expect(trimReply(`APPROVE\n\n${marker}\n\n${ORIGINAL}`)).toBe('APPROVE');
    });
  }
});

describe('trimReply rules beyond the corpora', () => {
  test('a header block ends the reply even on the first line (forwarded request)', () => {
    const text =
      'From: Approvals <a@example.test>\nSent: Monday\nTo: b@example.test\nSubject: X\n\nAPPROVE';
    expect(trimReply(text)).toBe('');
  });

  test('a forward of someone else’s APPROVE is not the sender’s text', () => {
    const text =
      '---------- Forwarded message ---------\nFrom: Mark <m@example.test>\nDate: Mon, 3 Mar 2025\nSubject: Re: X\nTo: <a@example.test>\n\nAPPROVE';
    expect(trimReply(text)).toBe('');
  });

  test('a bottom-posted reply after >-quoted lines is kept', () => {
    const text =
      'On Mon, 3 Mar 2025 at 10:12, A <a@example.test> wrote:\n> Please approve\n\nAPPROVE\nfine';
    expect(trimReply(text)).toBe('APPROVE\nfine');
  });

  test('a lone header-like line in the reply is text', () => {
    expect(trimReply('APPROVE\nSubject: title looks fine')).toBe(
      'APPROVE\nSubject: title looks fine'
    );
  });

  test('CRLF, zero-width and bidi characters do not hide words or quote headers', () => {
    const text =
      'AP\u200BPROVE\r\n\r\n\u200EOn Mon, 3 Mar 2025, A <a@example.test> wrote:\r\n> x\r\n';
    expect(trimReply(text)).toBe('APPROVE');
  });

  test('signatures go: "-- " cuts, mobile lines are dropped', () => {
    expect(trimReply('REJECT typo\n\nSent from my iPhone\n\n-- \nJan\nEditor')).toBe('REJECT typo');
    expect(trimReply('APPROVE\n\nEnvoyé de mon iPhone', { keepSignature: true })).toBe(
      'APPROVE\n\nEnvoyé de mon iPhone'
    );
  });
});
