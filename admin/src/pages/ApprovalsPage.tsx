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
import { ApprovalRequestItem } from '../components/ApprovalRequestItem';
import { DecisionSimulator } from '../components/DecisionSimulator';
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
import { useMsg } from '../hooks/useMsg';
import { queryClient } from '../utils/queryClient';

type Status = NonNullable<ApprovalFilters['status']>;
const ALL = 'all';

export const ApprovalsPage = () => {
  const { msg } = useMsg();
  const { toggleNotification } = useNotification();
  const { allowedActions, isLoading } = useRBAC(APPROVAL_PERMISSIONS.manage);
  const canManage = allowedActions.canManage === true;
  const [status, setStatus] = React.useState<Status | typeof ALL>('pending');
  const requests = useApprovalRequests(status === ALL ? {} : { status });
  const quarantine = useQuarantine();
  const cancel = useCancelApproval();
  const resolve = useResolveQuarantined();
  const runInbox = useRunInbox();

  const failed = (error: Error) =>
    toggleNotification({
      type: 'danger',
      message: msg('Approvals.error', 'The action failed: {message}', { message: error.message }),
    });

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
        subtitle={msg(
          'Approvals.subtitle',
          'Publication approvals requested by email, and the replies the mailbox received.'
        )}
        primaryAction={
          canManage ? (
            <Button
              startIcon={<ArrowClockwise />}
              loading={runInbox.isPending}
              onClick={() =>
                runInbox.mutate(undefined, {
                  onSuccess: () =>
                    toggleNotification({
                      type: 'success',
                      message: msg('Approvals.inbox.done', 'The mailbox was checked'),
                    }),
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
              <Typography textColor="danger600">{requests.error.message}</Typography>
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
                      canManage ? (id) => cancel.mutate(id, { onError: failed }) : undefined
                    }
                  />
                ))}
              </Flex>
            ) : requests.isSuccess ? (
              <Typography textColor="neutral600">
                {msg('Approvals.empty', 'No request with this status.')}
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
              <Typography textColor="danger600">{quarantine.error.message}</Typography>
            ) : quarantine.data ? (
              <QuarantineList
                messages={quarantine.data}
                busyId={resolve.isPending ? resolve.variables?.id : undefined}
                onResolve={
                  canManage
                    ? (id, how) =>
                        resolve.mutate(
                          { id, how },
                          {
                            // The entry changed (or the request expired) since the approver
                            // answered: only an explicit confirmation accepts the current version.
                            onError: (error) =>
                              error instanceof ApiError &&
                              error.code === 'ECONFIRM' &&
                              window.confirm(
                                msg(
                                  'Quarantine.confirmCurrent',
                                  '{message} Accept the decision for the entry as it is now?',
                                  { message: error.message }
                                )
                              )
                                ? resolve.mutate({ id, how, confirm: true }, { onError: failed })
                                : failed(error),
                          }
                        )
                    : undefined
                }
              />
            ) : null}
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
