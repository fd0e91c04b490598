import * as React from 'react';
import {
  Box,
  Button,
  EmptyStateLayout,
  Field,
  Flex,
  SingleSelect,
  SingleSelectOption,
  Table,
  Tbody,
  Td,
  TextInput,
  Th,
  Thead,
  Tr,
  Typography,
} from '@strapi/design-system';
import { ArrowLeft, ArrowRight } from '@strapi/icons';
import { Layouts, Page } from '@strapi/strapi/admin';
import { QueryClientProvider } from '@tanstack/react-query';
import {
  OUTBOUND_STATUSES,
  type OutboundMessage,
} from '../../../shared/contracts/outbound-message';
import type { DeliveryLogFilters } from '../api/deliveryLog';
import { DeliveryHealthStrip } from '../components/DeliveryHealthStrip';
import { DeliveryStatusBadge } from '../components/DeliveryStatusBadge';
import { DELIVERY_LOG_PERMISSIONS } from '../constants';
import { useDebouncedValue, useDeliveryLog } from '../hooks/useDeliveryLog';
import { useMsg } from '../hooks/useMsg';
import { queryClient } from '../utils/queryClient';

type Status = NonNullable<DeliveryLogFilters['status']>;
const ALL = 'all';
const PAGE_SIZE = 25;
const COLUMNS = 7;

const Cell = ({ children }: { children: React.ReactNode }) => (
  <Typography textColor="neutral800">{children}</Typography>
);

const Row = ({ message }: { message: OutboundMessage }) => {
  const { msg, date } = useMsg();
  return (
    <Tr>
      <Td>
        <Cell>{date(message.createdAt)}</Cell>
      </Td>
      <Td style={{ whiteSpace: 'normal', wordBreak: 'break-all' }}>
        <Cell>{message.recipients || '—'}</Cell>
      </Td>
      <Td style={{ whiteSpace: 'normal' }}>
        <Cell>{message.subject || '—'}</Cell>
      </Td>
      <Td>
        <Flex direction="column" alignItems="flex-start" gap={1}>
          <DeliveryStatusBadge status={message.status} />
          {message.nextAttemptAt && (
            <Typography variant="pi" textColor="neutral600">
              {msg('DeliveryLog.nextAttempt', 'Next attempt {time}', {
                time: date(message.nextAttemptAt),
              })}
            </Typography>
          )}
        </Flex>
      </Td>
      <Td>
        <Cell>{message.attempts ?? '—'}</Cell>
      </Td>
      <Td>
        <Cell>
          {message.durationMs === null
            ? '—'
            : msg('DeliveryLog.duration', '{ms} ms', { ms: message.durationMs })}
        </Cell>
      </Td>
      <Td style={{ whiteSpace: 'normal', maxWidth: '32rem' }}>
        {message.errorCode || message.errorMessage ? (
          <Flex direction="column" alignItems="flex-start" gap={1}>
            {message.errorCode && (
              <Typography fontWeight="bold" textColor="danger600">
                {message.errorCode}
              </Typography>
            )}
            {message.errorMessage && (
              <Typography variant="pi" textColor="neutral600">
                {message.errorMessage}
              </Typography>
            )}
          </Flex>
        ) : (
          <Cell>—</Cell>
        )}
      </Td>
    </Tr>
  );
};

export const DeliveryLogPage = () => {
  const { msg } = useMsg();
  const [status, setStatus] = React.useState<Status | typeof ALL>(ALL);
  const [search, setSearch] = React.useState('');
  const recipient = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = React.useState(1);
  React.useEffect(() => setPage(1), [status, recipient]);

  const log = useDeliveryLog({
    status: status === ALL ? undefined : status,
    recipient: recipient || undefined,
    page,
    pageSize: PAGE_SIZE,
  });
  const rows = log.data?.data ?? [];
  const pagination = log.data?.meta.pagination;
  const pageCount = Math.max(pagination?.pageCount ?? 1, 1);

  const statusLabels: Record<Status | typeof ALL, string> = {
    all: msg('DeliveryLog.status.all', 'All'),
    sent: msg('DeliveryLog.status.sent', 'Sent'),
    failed: msg('DeliveryLog.status.failed', 'Failed'),
    queued: msg('DeliveryLog.status.queued', 'Queued'),
    sending: msg('DeliveryLog.status.sending', 'Sending'),
    cancelled: msg('DeliveryLog.status.cancelled', 'Cancelled'),
  };
  const headers = [
    msg('DeliveryLog.column.time', 'Time'),
    msg('DeliveryLog.column.recipients', 'Recipients'),
    msg('DeliveryLog.column.subject', 'Subject'),
    msg('DeliveryLog.column.status', 'Status'),
    msg('DeliveryLog.column.attempts', 'Attempts'),
    msg('DeliveryLog.column.duration', 'Duration'),
    msg('DeliveryLog.column.error', 'Error'),
  ];

  return (
    <Page.Main>
      <Page.Title>{msg('DeliveryLog.title', 'Delivery log')}</Page.Title>
      <Layouts.Header
        title={msg('DeliveryLog.title', 'Delivery log')}
        subtitle={msg(
          'DeliveryLog.subtitle',
          'Every message sent through the mail server, newest first.'
        )}
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <DeliveryHealthStrip />
          <Flex gap={4} alignItems="flex-end" wrap="wrap">
            <Box minWidth="20rem">
              <Field.Root name="status">
                <Field.Label>{msg('DeliveryLog.filter.status', 'Status')}</Field.Label>
                <SingleSelect
                  value={status}
                  onChange={(value: string | number) => setStatus(String(value) as Status)}
                >
                  {([ALL, ...OUTBOUND_STATUSES] as const).map((s) => (
                    <SingleSelectOption key={s} value={s}>
                      {statusLabels[s]}
                    </SingleSelectOption>
                  ))}
                </SingleSelect>
              </Field.Root>
            </Box>
            <Box minWidth="28rem">
              <Field.Root name="recipient">
                <Field.Label>{msg('DeliveryLog.filter.recipient', 'Recipient')}</Field.Label>
                <TextInput
                  type="search"
                  value={search}
                  placeholder={msg(
                    'DeliveryLog.filter.recipient.placeholder',
                    'Part of an address'
                  )}
                  onChange={(e: React.ChangeEvent<HTMLInputElement>) => setSearch(e.target.value)}
                />
              </Field.Root>
            </Box>
          </Flex>

          {log.isError ? (
            <Typography textColor="danger600">{log.error.message}</Typography>
          ) : log.isSuccess && rows.length === 0 ? (
            <EmptyStateLayout
              content={
                status === ALL && !recipient
                  ? msg('DeliveryLog.empty', 'No message has been sent yet.')
                  : msg('DeliveryLog.empty.filtered', 'No message matches these filters.')
              }
            />
          ) : log.isSuccess ? (
            <Table
              colCount={COLUMNS}
              rowCount={rows.length + 1}
              aria-label={msg('DeliveryLog.title', 'Delivery log')}
            >
              <Thead>
                <Tr>
                  {headers.map((h) => (
                    <Th key={h}>
                      <Typography variant="sigma" textColor="neutral600">
                        {h}
                      </Typography>
                    </Th>
                  ))}
                </Tr>
              </Thead>
              <Tbody>
                {rows.map((m) => (
                  <Row key={m.id} message={m} />
                ))}
              </Tbody>
            </Table>
          ) : null}

          {pagination && pagination.total > 0 && (
            <Flex justifyContent="space-between" alignItems="center">
              <Typography textColor="neutral600">
                {msg('DeliveryLog.total', '{total, plural, one {# message} other {# messages}}', {
                  total: pagination.total,
                })}
              </Typography>
              <Flex gap={2} alignItems="center">
                <Button
                  variant="tertiary"
                  startIcon={<ArrowLeft />}
                  disabled={page <= 1}
                  onClick={() => setPage((p) => Math.max(p - 1, 1))}
                >
                  {msg('DeliveryLog.previous', 'Previous')}
                </Button>
                <Typography textColor="neutral800" aria-live="polite">
                  {msg('DeliveryLog.page', 'Page {page} of {pageCount}', {
                    page: pagination.page,
                    pageCount,
                  })}
                </Typography>
                <Button
                  variant="tertiary"
                  endIcon={<ArrowRight />}
                  disabled={page >= pageCount}
                  onClick={() => setPage((p) => Math.min(p + 1, pageCount))}
                >
                  {msg('DeliveryLog.next', 'Next')}
                </Button>
              </Flex>
            </Flex>
          )}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

export const ProtectedDeliveryLogPage = () => (
  <QueryClientProvider client={queryClient}>
    <Page.Protect permissions={DELIVERY_LOG_PERMISSIONS.read}>
      <DeliveryLogPage />
    </Page.Protect>
  </QueryClientProvider>
);
