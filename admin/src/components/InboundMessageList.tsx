import * as React from 'react';
import {
  Badge,
  Box,
  Button,
  Field,
  Flex,
  SingleSelect,
  SingleSelectOption,
  Typography,
} from '@strapi/design-system';
import { INBOUND_VERDICTS } from '../../../shared/contracts/inbound-message';
import type { InboundFilters } from '../api/approvals';
import { useInboundMessages } from '../hooks/useApprovals';
import { useApprovalTexts } from '../hooks/useApprovalTexts';
import { useMsg } from '../hooks/useMsg';
import { ReplyReason } from './ReplyReason';

type Verdict = (typeof INBOUND_VERDICTS)[number];
const ALL = 'all';
const PAGE_SIZE = 10;
const COLORS: Record<Verdict, { bg: string; text: string }> = {
  applied: { bg: 'success100', text: 'success700' },
  ignored: { bg: 'neutral150', text: 'neutral700' },
  // Not warning700: 4.0:1 on warning100, under WCAG AA (axe, approvals e2e).
  quarantined: { bg: 'warning100', text: 'neutral800' },
  failed: { bg: 'danger100', text: 'danger700' },
};

/**
 * "Replies received": every email the approvals mailbox got, newest first, with what the inbox
 * did with it (applied, ignored, quarantined, failed) and why; filterable by verdict.
 */
export const InboundMessageList = ({ refresh }: { refresh: boolean }) => {
  const { msg, date } = useMsg();
  const texts = useApprovalTexts();
  const [verdict, setVerdict] = React.useState<Verdict | typeof ALL>(ALL);
  const [page, setPage] = React.useState(1);
  const filters: InboundFilters = {
    ...(verdict === ALL ? {} : { verdict }),
    page,
    pageSize: PAGE_SIZE,
  };
  const replies = useInboundMessages(filters, refresh);
  const pagination = replies.data?.meta.pagination;
  const label = msg('approvals.page.replies', 'Replies received');

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Field.Root name="verdict">
        <Field.Label>{msg('approvals.page.replies.filter', 'Verdict')}</Field.Label>
        <SingleSelect
          value={verdict}
          onChange={(value: string | number) => {
            setVerdict(String(value) as Verdict);
            setPage(1);
          }}
        >
          {[ALL, ...INBOUND_VERDICTS].map((v) => (
            <SingleSelectOption key={v} value={v}>
              {v === ALL ? msg('Approvals.status.all', 'All') : texts.verdict(v)}
            </SingleSelectOption>
          ))}
        </SingleSelect>
      </Field.Root>
      {replies.isError ? (
        <Typography textColor="danger600">{texts.error(replies.error)}</Typography>
      ) : replies.data && replies.data.data.length > 0 ? (
        <Flex tag="ul" direction="column" alignItems="stretch" gap={3} aria-label={label}>
          {replies.data.data.map((m) => {
            const color = COLORS[m.verdict as Verdict] ?? COLORS.ignored;
            return (
              <Box
                tag="li"
                key={m.id}
                aria-label={msg('approvals.page.replies.item', 'Reply {id} from {from}', {
                  id: m.id,
                  from: m.fromAddress ?? '—',
                })}
                padding={3}
                hasRadius
                borderColor="neutral200"
              >
                <Flex direction="column" alignItems="stretch" gap={1}>
                  <Flex justifyContent="space-between" gap={2} wrap="wrap">
                    <Typography fontWeight="bold">{m.subject || '—'}</Typography>
                    <Badge backgroundColor={color.bg} textColor={color.text}>
                      {texts.verdict(m.verdict)}
                    </Badge>
                  </Flex>
                  <Typography variant="pi">
                    {msg('approvals.page.replies.from', 'From {from} · {at} · request {request}', {
                      from: m.fromAddress ?? '—',
                      at: date(m.createdAt),
                      request: m.requestId ? `#${m.requestId}` : '—',
                    })}
                  </Typography>
                  <ReplyReason code={m.reason} />
                  {m.resolution ? (
                    <Typography variant="pi" textColor="neutral600">
                      {texts.resolution(m.resolution)}
                    </Typography>
                  ) : null}
                </Flex>
              </Box>
            );
          })}
        </Flex>
      ) : replies.isSuccess ? (
        <Typography textColor="neutral600">
          {msg('approvals.page.replies.empty', 'No reply with this verdict.')}
        </Typography>
      ) : null}
      {pagination && pagination.pageCount > 1 ? (
        <Flex
          gap={2}
          alignItems="center"
          tag="nav"
          aria-label={msg('approvals.page.replies.pages', 'Pages of replies')}
        >
          <Button
            variant="tertiary"
            size="S"
            disabled={page <= 1}
            onClick={() => setPage((p) => Math.max(1, p - 1))}
          >
            {msg('approvals.page.previous', 'Previous')}
          </Button>
          <Typography variant="pi">
            {msg('approvals.page.pageOf', 'Page {page} of {count}', {
              page: pagination.page,
              count: pagination.pageCount,
            })}
          </Typography>
          <Button
            variant="tertiary"
            size="S"
            disabled={page >= pagination.pageCount}
            onClick={() => setPage((p) => p + 1)}
          >
            {msg('approvals.page.next', 'Next')}
          </Button>
        </Flex>
      ) : null}
    </Flex>
  );
};
