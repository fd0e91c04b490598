import * as React from 'react';
import { Badge, Flex, Tooltip, VisuallyHidden } from '@strapi/design-system';
import { useInboxHealth } from '../hooks/useInboxHealth';
import { useMsg } from '../hooks/useMsg';

/**
 * The Approvals page's word on the mailbox job, beside its title: replies are being read, or
 * not (with the code, and the diagnosis on hover and for screen readers), or no mailbox is set.
 * The whole story is on Settings → Mail Server's health strip.
 */
export const InboxHealthBadge = () => {
  const { msg, date } = useMsg();
  const { data: h } = useInboxHealth();
  if (!h) return null;
  const failing = h.configured && h.result === 'failed' && h.error;
  const label = !h.configured
    ? msg('InboxHealth.badge.off', 'Mailbox not configured')
    : failing
      ? msg('InboxHealth.badge.failing', 'Mailbox failing ({code})', { code: h.error!.code })
      : h.lastRunAt
        ? msg('InboxHealth.badge.ok', 'Mailbox read {time}', { time: date(h.lastRunAt) })
        : msg('InboxHealth.badge.never', 'Mailbox not read yet');
  const detail = failing ? h.error!.diagnosis : null;
  const badge = (
    <Badge
      backgroundColor={failing ? 'danger100' : h.configured ? 'success100' : 'neutral150'}
      textColor={failing ? 'danger700' : h.configured ? 'success700' : 'neutral700'}
    >
      {label}
    </Badge>
  );
  return (
    <Flex role="status" gap={2} aria-label={msg('InboxHealth.badge.label', 'Mailbox job')}>
      {detail ? (
        <Tooltip label={detail}>
          <span tabIndex={0}>{badge}</span>
        </Tooltip>
      ) : (
        badge
      )}
      {detail ? <VisuallyHidden>{detail}</VisuallyHidden> : null}
    </Flex>
  );
};
