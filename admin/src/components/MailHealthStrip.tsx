import * as React from 'react';
import { Box, Flex, Typography } from '@strapi/design-system';
import { useRBAC } from '@strapi/strapi/admin';
import { DELIVERY_LOG_PERMISSIONS } from '../constants';
import { useMsg } from '../hooks/useMsg';
import { DeliveryHealthStrip } from './DeliveryHealthStrip';
import { InboxHealthStatus } from './InboxHealthStatus';

const HealthPart = ({ title, children }: { title: string; children: React.ReactNode }) => (
  <Box>
    <Typography variant="sigma" textColor="neutral600" tag="h3">
      {title}
    </Typography>
    <Box paddingTop={1}>{children}</Box>
  </Box>
);

/**
 * Settings → Mail Server's health strip: sending (the outbox's queue, pause and failure streak,
 * for roles that may read the delivery log) and reading replies (the mailbox job's last pass
 * and its error), each under its own heading.
 */
export const MailHealthStrip = () => {
  const { msg } = useMsg();
  // Keyed by the action's last part: `delivery-log.read` → canRead.
  const { allowedActions } = useRBAC(DELIVERY_LOG_PERMISSIONS.read);
  const headingId = React.useId();
  return (
    <Box
      tag="section"
      aria-labelledby={headingId}
      padding={4}
      hasRadius
      background="neutral0"
      shadow="tableShadow"
    >
      <Typography id={headingId} variant="delta" tag="h2">
        {msg('MailHealth.title', 'Mail health')}
      </Typography>
      <Flex direction="column" alignItems="stretch" gap={3} paddingTop={3}>
        {allowedActions.canRead ? (
          <HealthPart title={msg('MailHealth.sending', 'Sending')}>
            <DeliveryHealthStrip />
          </HealthPart>
        ) : null}
        <HealthPart title={msg('MailHealth.reading', 'Reading replies')}>
          <InboxHealthStatus />
        </HealthPart>
      </Flex>
    </Box>
  );
};
