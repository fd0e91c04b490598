/**
 * The request email's two bodies, rendered from the sample request: the MJML output's
 * structure (buttons, rules box, colour schemes, Outlook conditionals), the text alternative's
 * content, the per-approver signing of a rendered template, and the language catalogue.
 */
import { describe, expect, test } from '@jest/globals';
import { parseDocument } from 'htmlparser2';
import { findAll, getAttributeValue, textContent } from 'domutils';
import type { Element } from 'domhandler';
import {
  renderRequestEmail,
  renderTemplate,
  requestModel,
  sign,
} from '../../server/src/approvals/email';
import { emailLanguage, formatDateTime, translator } from '../../server/src/approvals/email/i18n';
import { findReference } from '../../server/src/mail/reply/reference';
import { SAMPLE_FACTS, SAMPLE_REF, SAMPLE_VIEW } from '../../scripts/email-sample';

const render = (language = 'en', over: Partial<typeof SAMPLE_FACTS> = {}) =>
  renderRequestEmail(requestModel(SAMPLE_VIEW, { ...SAMPLE_FACTS, ...over }, language, SAMPLE_REF));

const all = (html: string) => findAll(() => true, parseDocument(html).children) as Element[];

describe('the HTML body', () => {
  test('has both buttons as mailto links, the admin link, the colour-scheme meta and Outlook fallbacks', async () => {
    const { html } = await render();
    const elements = all(html);
    const hrefs = elements.filter((e) => e.name === 'a').map((e) => getAttributeValue(e, 'href')!);
    expect(hrefs.filter((h) => h.startsWith('mailto:approvals@example.org?'))).toHaveLength(2);
    expect(hrefs).toContain(SAMPLE_FACTS.link);
    const meta = elements.find((e) => e.name === 'meta' && e.attribs.name === 'color-scheme');
    expect(meta?.attribs.content).toBe('light dark');
    expect(html).toContain('prefers-color-scheme: dark');
    expect(html).toContain('<!--[if mso');
    expect(elements.some((e) => e.name === 'td' && e.attribs.class === 'rules')).toBe(true);
    // Nothing is loaded when the email opens: no images, no remote fonts or styles.
    expect(elements.filter((e) => ['img', 'link', 'script'].includes(e.name))).toEqual([]);
  });

  test('without an approvals mailbox there are no buttons; the rules still say how to answer', async () => {
    const { html, text } = await render('en', { replyTo: '' });
    const hrefs = all(html)
      .filter((e) => e.name === 'a')
      .map((e) => getAttributeValue(e, 'href')!);
    expect(hrefs.filter((h) => h.startsWith('mailto:'))).toEqual([]);
    expect(text).toContain('APPROVE');
  });

  test('the rules box holds the first-line rule, the policy and the expiry date', async () => {
    const { html } = await render('en', { policy: 'all' });
    const box = all(html).find((e) => e.name === 'td' && e.attribs.class === 'rules')!;
    const t = translator('en');
    const content = textContent(box);
    expect(content).toContain(t('ruleFirstLine'));
    expect(content).toContain(t('policyAll'));
    expect(content).toContain(formatDateTime(SAMPLE_FACTS.expiresAt!, 'en'));
  });
});

describe('the text body', () => {
  test('has the fields, the changes, the rules, the link and the Ref line', async () => {
    const { text } = await render();
    const t = translator('en');
    for (const part of [
      'Spring opening hours',
      'Winter opening hours',
      'timetable.pdf <http://127.0.0.1:1337/uploads/timetable_9f8e.pdf>',
      'Category: News',
      t('ruleFirstLine'),
      t('policyAny'),
      SAMPLE_FACTS.link!,
    ])
      expect(text).toContain(part);
    expect(text).toMatch(new RegExp(`^Ref: ${SAMPLE_REF}$`, 'm'));
    expect(findReference([text])).toBe(SAMPLE_REF);
  });
});

describe('signing a rendered template', () => {
  test('each approver’s reference replaces the placeholder everywhere, mailto links included', async () => {
    const template = await renderTemplate(SAMPLE_VIEW, SAMPLE_FACTS, 'en');
    const ref = 'APR-9-2-zzzzzzzzzzzzzzzz';
    const email = sign(template, ref);
    for (const part of [email.subject, email.html, email.text])
      expect(part).not.toContain(template.placeholder);
    expect(email.subject).toMatch(/\[Ref: APR-9-2-z{16}\]$/);
    const mailtos = all(email.html)
      .filter((e) => e.name === 'a' && e.attribs.href?.startsWith('mailto:'))
      .map((e) => decodeURIComponent(e.attribs.href!));
    expect(mailtos.every((h) => h.includes(`[Ref: ${ref}]`))).toBe(true);
  });
});

describe('languages', () => {
  test('an admin language picks the catalogue; anything else is English', () => {
    expect(emailLanguage('fr')).toBe('fr');
    expect(emailLanguage('fr-CA')).toBe('fr');
    for (const other of ['de', 'zz', '', null, undefined, 42])
      expect(emailLanguage(other)).toBe('en');
  });

  test('French words, English for a missing key; the Ref token unchanged in the subject', async () => {
    const fr = translator('fr');
    expect(fr('approve')).not.toBe(translator('en')('approve'));
    expect(translator('de')('approve')).toBe(translator('en')('approve'));
    const { subject, html } = await render('fr');
    expect(subject.endsWith(`[Ref: ${SAMPLE_REF}]`)).toBe(true);
    expect(subject.startsWith(fr('subject', { title: '' }).trim())).toBe(true);
    expect(all(html).find((e) => e.name === 'html')?.attribs.lang).toBe('fr');
  });
});
