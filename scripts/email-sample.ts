/**
 * A sample approval request, as approvals/email/ sees one: an article with rich text (blocks
 * and markdown), a list, media, a relation, components, a long field, and a published version
 * it differs from. Used by scripts/email-screenshots.ts and by test/unit/email-layout.test.ts.
 */
import type { EntryView } from '../server/src/approvals/email/load';
import type { RequestFacts } from '../server/src/approvals/email';

const para = (text: string) => ({ type: 'paragraph', children: [{ type: 'text', text }] });

export const SAMPLE_VIEW: EntryView = {
  schema: {
    displayName: 'Article',
    attributes: {
      title: { type: 'string' },
      slug: { type: 'uid' },
      summary: { type: 'text' },
      body: { type: 'blocks' },
      notes: { type: 'richtext' },
      cover: { type: 'media', multiple: false },
      attachments: { type: 'media', multiple: true },
      category: { type: 'relation', target: 'api::category.category' },
      seo: { type: 'component', component: 'shared.seo' },
      publishOn: { type: 'date' },
      featured: { type: 'boolean' },
      internalPassword: { type: 'password' },
      reviewerNotes: { type: 'text', private: true },
    },
  },
  components: {
    'shared.seo': {
      displayName: 'SEO',
      attributes: { metaTitle: { type: 'string' }, metaDescription: { type: 'text' } },
    },
  },
  draft: {
    documentId: 'abc123',
    title: 'Spring opening hours',
    slug: 'spring-opening-hours',
    summary: 'From 1 April the library opens at 8:00 on weekdays and stays open until 20:00.',
    body: [
      { type: 'heading', level: 2, children: [{ type: 'text', text: 'New hours' }] },
      {
        type: 'paragraph',
        children: [
          { type: 'text', text: 'Starting ' },
          { type: 'text', text: '1 April', bold: true },
          { type: 'text', text: ', we open earlier. See the ' },
          {
            type: 'link',
            url: 'https://example.org/hours',
            children: [{ type: 'text', text: 'full timetable' }],
          },
          { type: 'text', text: '.' },
        ],
      },
      {
        type: 'list',
        format: 'unordered',
        children: [
          { type: 'list-item', children: [{ type: 'text', text: 'Monday to Friday: 8:00–20:00' }] },
          { type: 'list-item', children: [{ type: 'text', text: 'Saturday: 10:00–16:00' }] },
          { type: 'list-item', children: [{ type: 'text', text: 'Sunday: closed', italic: true }] },
        ],
      },
      {
        type: 'quote',
        children: [{ type: 'text', text: 'More hours were the first wish in our survey.' }],
      },
      para('<script>alert("hostile")</script> stays text, as does [x](javascript:alert(1)).'),
    ],
    notes: `Internal notes in **markdown**:\n\n1. Update the signs\n2. Tell the front desk\n\n${'A long paragraph that goes on. '.repeat(120)}`,
    cover: { name: 'spring-hours.jpg', url: '/uploads/spring_hours_1a2b3c.jpg' },
    attachments: [
      { name: 'timetable.pdf', url: '/uploads/timetable_9f8e.pdf' },
      { name: 'poster-a3.pdf', url: '/uploads/poster_a3_77aa.pdf' },
    ],
    category: { documentId: 'cat1', name: 'News' },
    seo: {
      id: 7,
      metaTitle: 'Spring opening hours',
      metaDescription: 'The library opens earlier from April.',
    },
    publishOn: '2026-04-01',
    featured: true,
    internalPassword: 'never shown',
    reviewerNotes: 'never shown either',
  },
  published: {
    documentId: 'abc123',
    title: 'Winter opening hours',
    slug: 'spring-opening-hours',
    summary: 'The library opens at 9:00 on weekdays and stays open until 18:00.',
    body: [],
    notes: '',
    cover: { name: 'winter-hours.jpg', url: '/uploads/winter_hours_0000.jpg' },
    attachments: [],
    category: { documentId: 'cat1', name: 'News' },
    seo: {
      id: 3,
      metaTitle: 'Spring opening hours',
      metaDescription: 'The library opens earlier from April.',
    },
    publishOn: '2026-04-01',
    featured: false,
  },
  mainFields: { 'api::category.category': 'name' },
  labels: {},
};

export const SAMPLE_FACTS: RequestFacts = {
  title: 'Spring opening hours',
  action: 'publish',
  requester: 'editor@example.org',
  note: 'Please check the Saturday hours with the front desk before approving.',
  policy: 'any',
  expiresAt: new Date('2026-12-08T09:30:00Z'),
  link: 'http://127.0.0.1:1337/admin/content-manager/collection-types/api::article.article/abc123',
  replyTo: 'approvals@example.org',
  serverUrl: 'http://127.0.0.1:1337',
};

export const SAMPLE_REF = 'APR-42-0-abcdefghijklmnop';
