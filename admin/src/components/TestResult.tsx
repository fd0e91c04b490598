import * as React from 'react';
import { Badge, Box, Flex, Typography } from '@strapi/design-system';
import { CheckCircle, CrossCircle, Minus, WarningCircle } from '@strapi/icons';
import { useIntl, type MessageDescriptor } from 'react-intl';
import type { ConnectionTestResult } from '../../../shared/contracts/connection-test';
import { getTranslation } from '../utils/getTranslation';
import { describeError } from '../utils/testMessages';
import { CodeText } from './CodeText';

type Step = ConnectionTestResult['steps'][number];

const d = (id: string, defaultMessage: string): MessageDescriptor => ({
  id: getTranslation(id),
  defaultMessage,
});

const STEP_LABELS: Record<Step['name'], MessageDescriptor> = {
  resolve: d('Settings.test.step.resolve', 'Resolve the host name'),
  connect: d('Settings.test.step.connect', 'Connect'),
  tls: d('Settings.test.step.tls', 'TLS'),
  greeting: d('Settings.test.step.greeting', 'Server greeting'),
  authenticate: d('Settings.test.step.authenticate', 'Authenticate'),
  send: d('Settings.test.step.send', 'Send the test email'),
  mailbox: d('Settings.test.step.mailbox', 'Open the mailbox'),
  folder: d('Settings.test.step.folder', 'Processed folder'),
  sender: d('Settings.test.step.sender', 'Sender verification'),
};

// Text colours of at least 4.5:1 on white (WCAG AA, checked by axe in the browser suite): the
// 600 shades of success, warning and neutral are lighter than that.
const STATUS: Record<
  Step['status'],
  { label: MessageDescriptor; icon: React.ReactNode; color: string }
> = {
  ok: {
    color: 'success700',
    label: d('Settings.test.status.ok', 'OK'),
    icon: <CheckCircle fill="success600" aria-hidden />,
  },
  failed: {
    color: 'danger600',
    label: d('Settings.test.status.failed', 'Failed'),
    icon: <CrossCircle fill="danger600" aria-hidden />,
  },
  warning: {
    color: 'warning700',
    label: d('Settings.test.status.warning', 'Warning'),
    icon: <WarningCircle fill="warning600" aria-hidden />,
  },
  skipped: {
    color: 'neutral600',
    label: d('Settings.test.status.skipped', 'Skipped'),
    icon: <Minus fill="neutral500" aria-hidden />,
  },
};

/** The outcome of a Test: every step with its time, and on failure what went wrong and the fix. */
export const TestResult = ({
  result,
  headingRef,
}: {
  result: ConnectionTestResult;
  /** where the focus goes once the result is in (the Test button was disabled meanwhile) */
  headingRef?: React.Ref<HTMLDivElement>;
}) => {
  const intl = useIntl();
  const { formatMessage } = intl;
  const { error } = result;
  const shown = error ? describeError(intl, error) : undefined;
  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Flex gap={2} ref={headingRef} tabIndex={-1} style={{ outlineOffset: 2 }}>
        {result.ok ? (
          <CheckCircle fill="success600" aria-hidden />
        ) : (
          <CrossCircle fill="danger600" aria-hidden />
        )}
        <Typography variant="delta" tag="h3" textColor={result.ok ? 'success700' : 'danger700'}>
          {result.ok
            ? formatMessage(d('Settings.test.ok', 'The connection works'))
            : formatMessage(d('Settings.test.failed', 'The connection failed'))}
        </Typography>
        <Typography variant="pi" textColor="neutral600">
          {formatMessage(d('Settings.test.duration', '{ms} ms in total'), {
            ms: result.durationMs,
          })}
        </Typography>
      </Flex>
      {result.steps.length > 0 ? (
        <Box tag="ol" aria-label={formatMessage(d('Settings.test.steps', 'Test steps'))}>
          {/* the failed step's detail is usually the diagnosis, shown once below */}
          {result.steps.map((step) => (
            <Box
              tag="li"
              key={step.name}
              paddingTop={1}
              paddingBottom={1}
              data-step={step.name}
              data-status={step.status}
            >
              <Flex gap={2}>
                {STATUS[step.status].icon}
                <Typography fontWeight="semiBold">
                  {formatMessage(STEP_LABELS[step.name])}
                </Typography>
                <Typography textColor={STATUS[step.status].color} fontWeight="semiBold">
                  {formatMessage(STATUS[step.status].label)}
                </Typography>
                <Typography variant="pi" textColor="neutral600">
                  {formatMessage(d('Settings.test.stepTime', '{ms} ms'), { ms: step.ms })}
                </Typography>
              </Flex>
              {step.detail && step.detail !== error?.diagnosis ? (
                <Box paddingLeft={6}>
                  <Typography variant="pi" textColor="neutral600">
                    <CodeText text={step.detail} />
                  </Typography>
                </Box>
              ) : null}
            </Box>
          ))}
        </Box>
      ) : null}
      {error ? (
        <Box background="danger100" borderColor="danger200" hasRadius padding={4}>
          <Flex direction="column" alignItems="stretch" gap={2}>
            <Flex gap={2} wrap="wrap">
              <Badge backgroundColor="danger200" textColor="danger700">
                {error.code}
              </Badge>
              <Typography fontWeight="bold" textColor="danger700">
                <CodeText text={shown?.diagnosis ?? error.diagnosis} />
              </Typography>
            </Flex>
            {shown?.fix ? (
              <Typography textColor="neutral800">
                <Typography fontWeight="bold">
                  {formatMessage(d('Settings.test.fix', 'How to fix it:'))}
                </Typography>{' '}
                <CodeText text={shown.fix} />
              </Typography>
            ) : null}
            {error.response ? (
              <Typography variant="pi" textColor="neutral700" tag="code">
                {formatMessage(d('Settings.test.response', 'Server said: {response}'), {
                  response: error.response,
                })}
              </Typography>
            ) : null}
          </Flex>
        </Box>
      ) : null}
    </Flex>
  );
};
