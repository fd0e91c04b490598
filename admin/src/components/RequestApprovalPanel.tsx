import * as React from 'react';
import { Button, Field, Flex, TextInput, Textarea, Typography } from '@strapi/design-system';
import { useNotification, useRBAC } from '@strapi/strapi/admin';
import { QueryClientProvider } from '@tanstack/react-query';
import { APPROVAL_PERMISSIONS } from '../constants';
import { useRequestApproval } from '../hooks/useApprovals';
import { useEntryApprovals } from '../hooks/useEntryApprovals';
import { useMsg } from '../hooks/useMsg';
import { queryClient } from '../utils/queryClient';
import { ApprovalRequestItem } from './ApprovalRequestItem';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ACTIONS = [...APPROVAL_PERMISSIONS.request, ...APPROVAL_PERMISSIONS.read];

interface PanelProps {
  model: string;
  documentId?: string;
  activeTab: 'draft' | 'published' | null;
  collectionType: string;
  document?: { locale?: string | null } & Record<string, unknown>;
}

const PanelContent = ({
  model,
  documentId,
  locale,
}: {
  model: string;
  documentId: string;
  locale?: string;
}) => {
  const { msg } = useMsg();
  const { toggleNotification } = useNotification();
  const { allowedActions, isLoading } = useRBAC(ACTIONS);
  const canRequest = allowedActions.canRequest === true;
  const canRead = allowedActions.canRead === true;
  const [approvers, setApprovers] = React.useState('');
  const [note, setNote] = React.useState('');
  const [days, setDays] = React.useState('7');
  const [submitted, setSubmitted] = React.useState(false);
  const requests = useEntryApprovals(model, documentId, canRead);
  const ask = useRequestApproval();

  const list = approvers
    .split(/[,;\s]+/)
    .map((a) => a.trim())
    .filter(Boolean);
  const approversError =
    list.length === 0
      ? msg('Panel.error.approvers', 'Enter at least one address')
      : list.find((a) => !EMAIL.test(a))
        ? msg('Panel.error.email', 'Not an email address: {address}', {
            address: list.find((a) => !EMAIL.test(a)),
          })
        : undefined;
  const dayCount = Number(days);
  const daysError =
    !Number.isFinite(dayCount) || dayCount <= 0 || dayCount > 90
      ? msg('Panel.error.days', 'Between 1 and 90 days')
      : undefined;

  const onSubmit = () => {
    setSubmitted(true);
    if (approversError || daysError) return;
    ask.mutate(
      {
        uid: model,
        documentId,
        ...(locale ? { locale } : {}),
        approvers: list,
        expiresIn: Math.round(dayCount * 86400),
        ...(note.trim() ? { note: note.trim() } : {}),
      },
      {
        onSuccess: () => {
          setApprovers('');
          setNote('');
          setSubmitted(false);
          toggleNotification({
            type: 'success',
            message: msg('Panel.success', 'Approval requested: the approvers were emailed'),
          });
        },
        onError: (error) =>
          toggleNotification({
            type: 'danger',
            message: msg('Panel.error', 'The approval was not requested: {message}', {
              message: error.message,
            }),
          }),
      }
    );
  };

  if (isLoading) return null;
  return (
    <Flex direction="column" alignItems="stretch" gap={3} width="100%">
      {canRequest ? (
        <>
          <Field.Root
            name="approvers"
            required
            error={submitted ? approversError : undefined}
            hint={msg('Panel.approvers.hint', 'Comma-separated email addresses')}
          >
            <Field.Label>{msg('Panel.approvers', 'Approvers')}</Field.Label>
            <TextInput
              value={approvers}
              autoComplete="off"
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setApprovers(e.target.value)}
            />
            <Field.Hint />
            <Field.Error />
          </Field.Root>
          <Field.Root name="note">
            <Field.Label>{msg('Panel.note', 'Note')}</Field.Label>
            <Textarea
              value={note}
              onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setNote(e.target.value)}
            />
          </Field.Root>
          <Field.Root name="expiry" error={submitted ? daysError : undefined}>
            <Field.Label>{msg('Panel.expiry', 'Expires after (days)')}</Field.Label>
            <TextInput
              value={days}
              inputMode="numeric"
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setDays(e.target.value)}
            />
            <Field.Error />
          </Field.Root>
          <Button fullWidth variant="secondary" loading={ask.isPending} onClick={onSubmit}>
            {msg('Panel.submit', 'Request approval')}
          </Button>
        </>
      ) : null}
      {canRead ? (
        requests.data && requests.data.length > 0 ? (
          <Flex
            tag="ul"
            direction="column"
            alignItems="stretch"
            gap={2}
            aria-label={msg('Panel.requests', 'Approval requests of this entry')}
          >
            {requests.data.map((r) => (
              <ApprovalRequestItem key={r.id} request={r} compact />
            ))}
          </Flex>
        ) : requests.isSuccess ? (
          <Typography variant="pi" textColor="neutral600">
            {msg('Panel.none', 'No approval requested yet.')}
          </Typography>
        ) : null
      ) : null}
    </Flex>
  );
};

/**
 * The Content Manager edit view's side panel, for draft-and-publish entries that exist.
 * A panel is a description function: `{ title, content }` or null to hide it.
 */
export const RequestApprovalPanel = (props: PanelProps) => {
  const { msg } = useMsg();
  if (props.activeTab === null || !props.documentId) return null;
  const locale = typeof props.document?.locale === 'string' ? props.document.locale : undefined;
  return {
    title: msg('Panel.title', 'Request approval by email'),
    content: (
      <QueryClientProvider client={queryClient}>
        <PanelContent model={props.model} documentId={props.documentId} locale={locale} />
      </QueryClientProvider>
    ),
  };
};
