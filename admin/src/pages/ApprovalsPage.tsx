import * as React from 'react';
import {
  Button,
  Field,
  Flex,
  SingleSelect,
  SingleSelectOption,
  Typography,
} from '@strapi/design-system';
import { ArrowClockwise } from '@strapi/icons';
import { Layouts, Page, useNotification, useRBAC } from '@strapi/strapi/admin';
import { QueryClientProvider } from '@tanstack/react-query';
import { APPROVAL_STATUSES } from '../../../shared/contracts/approval';
import type { ApprovalFilters } from '../api/approvals';
import { ApiError } from '../api/client';
import {
  ApprovalActionDialog,
  type ApprovalActionRequest,
} from '../components/ApprovalActionDialog';
import { ApprovalRequestItem } from '../components/ApprovalRequestItem';
import { DecisionSimulator } from '../components/DecisionSimulator';
import { InboundMessageList } from '../components/InboundMessageList';
import { QuarantineList } from '../components/QuarantineList';
import { SectionCard } from '../components/SectionCard';
import { APPROVAL_PERMISSIONS } from '../constants';
import {
  useApprovalRequests,
  useCancelApproval,
  useQuarantine,
  useResolveQuarantined,
  useRunInbox,
} from '../hooks/useApprovals';
import { useApprovalTexts } from '../hooks/useApprovalTexts';
import { InboxHealthBadge } from '../components/InboxHealthBadge';
import { useMsg } from '../hooks/useMsg';
import { queryClient } from '../utils/queryClient';

type Status = NonNullable<ApprovalFilters['status']>;
const ALL = 'all';

export const ApprovalsPage = () => {
  const { msg } = useMsg();
  const texts = useApprovalTexts();
  const { toggleNotification } = useNotification();
  const { allowedActions, isLoading } = useRBAC(APPROVAL_PERMISSIONS.manage);
  const canManage = allowedActions.canManage === true;
  // All requests, newest first: a request decided a moment ago stays in sight, marked by its
  // status; the filter narrows down when the list grows.
  const [status, setStatus] = React.useState<Status | typeof ALL>(ALL);
  const requests = useApprovalRequests(status === ALL ? {} : { status });
  const anyPending = !!requests.data?.some((r) => r.status === 'pending');
  const quarantine = useQuarantine(true, anyPending);
  const cancel = useCancelApproval();
  const resolve = useResolveQuarantined();
  const runInbox = useRunInbox();
  const [pending, setPending] = React.useState<ApprovalActionRequest | null>(null);

  const failed = (error: Error) =>
    toggleNotification({ type: 'danger', message: texts.error(error) });
  const done = (message: string) => () => toggleNotification({ type: 'success', message });

  /** The confirmed action; an entry changed since the reply asks once more, saying so. */
  const confirm = () => {
    const asked = pending;
    if (!asked) return;
    if (asked.action === 'cancel') {
      cancel.mutate(asked.id, {
        onSuccess: done(msg('approvals.page.done.cancel', 'The request was cancelled')),
        onError: failed,
      });
      return;
    }
    resolve.mutate(
      { id: asked.id, how: asked.action, confirm: asked.confirmCurrent },
      {
        onSuccess: done(
          asked.action === 'accept'
            ? msg('approvals.page.done.accept', 'The reply was accepted and its decision applied')
            : msg('approvals.page.done.discard', 'The reply was discarded')
        ),
        onError: (error) =>
          error instanceof ApiError && error.code === 'ECONFIRM' && !asked.confirmCurrent
            ? setPending({ ...asked, confirmCurrent: true })
            : failed(error),
      }
    );
  };

  const statusLabels: Record<Status | typeof ALL, string> = {
    all: msg('Approvals.status.all', 'All'),
    pending: msg('Approvals.status.pending', 'Pending'),
    approved: msg('Approvals.status.approved', 'Approved'),
    rejected: msg('Approvals.status.rejected', 'Rejected'),
    expired: msg('Approvals.status.expired', 'Expired'),
    cancelled: msg('Approvals.status.cancelled', 'Cancelled'),
  };

  if (isLoading) return <Page.Loading />;

  return (
    <Page.Main>
      <Page.Title>{msg('Approvals.title', 'Approvals')}</Page.Title>
      <Layouts.Header
        title={msg('Approvals.title', 'Approvals')}
        secondaryAction={<InboxHealthBadge />}
        subtitle={msg(
          'approvals.page.subtitle',
          'Publication approvals requested by email, and every reply the mailbox received.'
        )}
        primaryAction={
          canManage ? (
            <Button
              startIcon={<ArrowClockwise />}
              loading={runInbox.isPending}
              onClick={() =>
                runInbox.mutate(undefined, {
                  onSuccess: done(msg('Approvals.inbox.done', 'The mailbox was checked')),
                  onError: failed,
                })
              }
            >
              {msg('Approvals.inbox.run', 'Check the mailbox now')}
            </Button>
          ) : undefined
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <SectionCard title={msg('Approvals.requests', 'Requests')}>
            <Field.Root name="status">
              <Field.Label>{msg('Approvals.filter', 'Status')}</Field.Label>
              <SingleSelect
                value={status}
                onChange={(value: string | number) => setStatus(String(value) as Status)}
              >
                {[ALL, ...APPROVAL_STATUSES].map((s) => (
                  <SingleSelectOption key={s} value={s}>
                    {statusLabels[s as Status]}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Field.Root>
            {requests.isError ? (
              <Typography textColor="danger600">{texts.error(requests.error)}</Typography>
            ) : requests.data && requests.data.length > 0 ? (
              <Flex
                tag="ul"
                direction="column"
                alignItems="stretch"
                gap={3}
                aria-label={msg('Approvals.requests', 'Requests')}
              >
                {requests.data.map((r) => (
                  <ApprovalRequestItem
                    key={r.id}
                    request={r}
                    cancelling={cancel.isPending && cancel.variables === r.id}
                    onCancel={
                      canManage
                        ? (row) =>
                            setPending({
                              action: 'cancel',
                              id: row.id,
                              subject: `#${row.id} · ${row.entry?.title || row.title || row.targetDocumentId}`,
                            })
                        : undefined
                    }
                  />
                ))}
              </Flex>
            ) : requests.isSuccess ? (
              <Typography textColor="neutral600">
                {status === ALL
                  ? msg('approvals.page.empty', 'No approval has been requested yet.')
                  : msg('Approvals.empty', 'No request with this status.')}
              </Typography>
            ) : null}
          </SectionCard>
          <SectionCard
            title={msg('Quarantine.title', 'Quarantine')}
            description={msg(
              'Quarantine.description',
              'Replies that could not be applied safely. Accept applies the decision; Discard drops it.'
            )}
          >
            {quarantine.isError ? (
              <Typography textColor="danger600">{texts.error(quarantine.error)}</Typography>
            ) : quarantine.data ? (
              <QuarantineList
                messages={quarantine.data}
                busyId={resolve.isPending ? resolve.variables?.id : undefined}
                onResolve={
                  canManage
                    ? (m, how) =>
                        setPending({
                          action: how,
                          id: m.id,
                          subject: `${m.fromAddress ?? '—'} · ${m.subject ?? ''}`,
                        })
                    : undefined
                }
              />
            ) : null}
          </SectionCard>
          <SectionCard
            title={msg('approvals.page.replies', 'Replies received')}
            description={msg(
              'approvals.page.replies.description',
              'Every email the approvals mailbox received, and what was done with it.'
            )}
          >
            <InboundMessageList refresh={anyPending} />
          </SectionCard>
          <SectionCard
            title={msg('Simulator.title', 'Decision simulator')}
            description={msg(
              'Simulator.description',
              'Paste a reply to see how it would be read. Nothing is applied.'
            )}
          >
            <DecisionSimulator />
          </SectionCard>
        </Flex>
      </Layouts.Content>
      <ApprovalActionDialog
        pending={pending}
        onClose={() => setPending(null)}
        onConfirm={confirm}
      />
    </Page.Main>
  );
};

export const ProtectedApprovalsPage = () => (
  <QueryClientProvider client={queryClient}>
    <Page.Protect permissions={APPROVAL_PERMISSIONS.read}>
      <ApprovalsPage />
    </Page.Protect>
  </QueryClientProvider>
);
