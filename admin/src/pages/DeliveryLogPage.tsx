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
  VisuallyHidden,
} from '@strapi/design-system';
import { ArrowClockwise, ArrowLeft, ArrowRight, Cross } from '@strapi/icons';
import { Layouts, Page, useNotification, useRBAC } from '@strapi/strapi/admin';
import { QueryClientProvider } from '@tanstack/react-query';
import {
  OUTBOUND_STATUSES,
  type OutboundMessage,
} from '../../../shared/contracts/outbound-message';
import { ApiError } from '../api/client';
import type { DeliveryLogFilters } from '../api/deliveryLog';
import {
  DeliveryActionDialog,
  type DeliveryAction,
  type DeliveryActionRequest,
} from '../components/DeliveryActionDialog';
import { DeliveryHealthStrip } from '../components/DeliveryHealthStrip';
import { DeliveryStatusBadge } from '../components/DeliveryStatusBadge';
import { DELIVERY_LOG_PERMISSIONS } from '../constants';
import { useDebouncedValue, useDeliveryAction, useDeliveryLog } from '../hooks/useDeliveryLog';
import { useMsg } from '../hooks/useMsg';
import { queryClient } from '../utils/queryClient';

type Status = NonNullable<DeliveryLogFilters['status']>;
const ALL = 'all';
const PAGE_SIZE = 25;
const COLUMNS = 7;

const Cell = ({ children }: { children: React.ReactNode }) => (
  <Typography textColor="neutral800">{children}</Typography>
);

interface RowActions {
  /** the message this row's buttons act on, while the server answers */
  busy: boolean;
  onAction(message: OutboundMessage, action: DeliveryAction): void;
}

/** Send again (failed or cancelled, content kept) and Cancel (queued), named after the subject. */
const ActionsCell = ({ message, busy, onAction }: { message: OutboundMessage } & RowActions) => {
  const { msg } = useMsg();
  const subject = message.subject || msg('DeliveryLog.noSubject', '(no subject)');
  return (
    <Td>
      <Flex gap={2} justifyContent="flex-end">
        {message.resendable && (
          <Button
            size="S"
            variant="secondary"
            startIcon={<ArrowClockwise />}
            loading={busy}
            aria-label={msg('DeliveryLog.resend.label', 'Send again: {subject}', { subject })}
            onClick={() => onAction(message, 'resend')}
          >
            {msg('DeliveryLog.resend', 'Send again')}
          </Button>
        )}
        {message.status === 'queued' && (
          <Button
            size="S"
            variant="danger-light"
            startIcon={<Cross />}
            loading={busy}
            aria-label={msg('DeliveryLog.cancel.label', 'Cancel: {subject}', { subject })}
            onClick={() => onAction(message, 'cancel')}
          >
            {msg('DeliveryLog.cancel', 'Cancel')}
          </Button>
        )}
      </Flex>
    </Td>
  );
};

/** "a@x, b@y; c@z": each address kept whole on its line, the separators where lines may break. */
const Addresses = ({ text }: { text: string }) => (
  <>
    {text.split(/(?<=[,;])\s*/).map((part, index) => (
      <React.Fragment key={index}>
        {index > 0 ? ' ' : null}
        {/* nowrap: an address has break opportunities of its own (after a hyphen), which the
            table used to squeeze the column; now it is as wide as the longest address. */}
        <span style={{ whiteSpace: 'nowrap' }}>{part}</span>
      </React.Fragment>
    ))}
  </>
);

const Row = ({ message, actions }: { message: OutboundMessage; actions?: RowActions }) => {
  const { msg, date } = useMsg();
  return (
    <Tr>
      <Td>
        <Cell>{date(message.createdAt)}</Cell>
      </Td>
      {/* Lines break between addresses, after their comma or semicolon, so that none is cut
          mid-word (it was word-break: break-all). */}
      <Td style={{ whiteSpace: 'normal' }}>
        <Cell>{message.recipients ? <Addresses text={message.recipients} /> : '—'}</Cell>
      </Td>
      <Td style={{ whiteSpace: 'normal' }}>
        <Cell>{message.subject || '—'}</Cell>
      </Td>
      {/* "Next attempt …" wraps: the actions column must stay in view without scrolling. */}
      <Td style={{ whiteSpace: 'normal', minWidth: '12rem' }}>
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
      {actions && <ActionsCell message={message} {...actions} />}
    </Tr>
  );
};

/** The plain sentence for a refusal the admin can act on; the server's diagnosis otherwise. */
function useRefusalText() {
  const { msg } = useMsg();
  return (error: Error) => {
    switch (error instanceof ApiError ? error.code : undefined) {
      case 'ENOTRESENDABLE':
        return msg(
          'DeliveryLog.error.notResendable',
          'Only a failed or cancelled message whose content was kept can be sent again.'
        );
      case 'ENOTQUEUED':
        return msg(
          'DeliveryLog.error.notQueued',
          'The message is no longer waiting in the queue: it was sent, is being sent or was cancelled.'
        );
      case 'ENOTFOUND':
        return msg('DeliveryLog.error.notFound', 'The message is no longer in the delivery log.');
      default:
        return error.message;
    }
  };
}

export const DeliveryLogPage = () => {
  const { msg } = useMsg();
  const { toggleNotification } = useNotification();
  const { allowedActions } = useRBAC(DELIVERY_LOG_PERMISSIONS.manage);
  const canManage = allowedActions.canManage === true;
  const act = useDeliveryAction();
  const refusal = useRefusalText();
  const [pending, setPending] = React.useState<DeliveryActionRequest | null>(null);
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
  const columns = COLUMNS + (canManage ? 1 : 0);

  const run = ({ message, action }: DeliveryActionRequest) => {
    const subject = message.subject || msg('DeliveryLog.noSubject', '(no subject)');
    act.mutate(
      { id: message.id, action },
      {
        onSuccess: () =>
          toggleNotification({
            type: 'success',
            message:
              action === 'resend'
                ? msg('DeliveryLog.resend.done', 'Back in the queue, to be sent again: {subject}', {
                    subject,
                  })
                : msg('DeliveryLog.cancel.done', 'Cancelled, it will not be sent: {subject}', {
                    subject,
                  }),
          }),
        onError: (error) =>
          toggleNotification({
            type: 'danger',
            message:
              action === 'resend'
                ? msg('DeliveryLog.resend.failed', 'Not sent again: {reason}', {
                    reason: refusal(error),
                  })
                : msg('DeliveryLog.cancel.failed', 'Not cancelled: {reason}', {
                    reason: refusal(error),
                  }),
          }),
      }
    );
  };
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
  const actionsHeader = msg('DeliveryLog.column.actions', 'Actions');

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
              colCount={columns}
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
                  {canManage && (
                    <Th>
                      <VisuallyHidden>{actionsHeader}</VisuallyHidden>
                    </Th>
                  )}
                </Tr>
              </Thead>
              <Tbody>
                {rows.map((m) => (
                  <Row
                    key={m.id}
                    message={m}
                    actions={
                      canManage
                        ? {
                            busy: act.isPending && act.variables?.id === m.id,
                            onAction: (message, action) => setPending({ message, action }),
                          }
                        : undefined
                    }
                  />
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
        <DeliveryActionDialog
          pending={pending}
          onClose={() => setPending(null)}
          onConfirm={() => pending && run(pending)}
        />
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
