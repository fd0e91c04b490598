import * as React from 'react';
import {
  Box,
  Button,
  Field,
  Flex,
  Loader,
  TextInput,
  Typography,
  VisuallyHidden,
} from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { Play } from '@strapi/icons';
import { z } from 'zod';
import type { ConnectionTestResult } from '../../../shared/contracts/connection-test';
import { DismissibleAlert } from './DismissibleAlert';
import { TestResult } from './TestResult';
import { useMsg } from '../hooks/useMsg';
import { summarize } from '../utils/testMessages';

interface ConnectionTestPanelProps {
  /** the section's short name in the announcement, e.g. "SMTP" */
  name: string;
  /** the button's text, e.g. "Test SMTP" */
  label: string;
  description: string;
  pending: boolean;
  result?: ConnectionTestResult;
  /** the request itself failed (network, permission), as opposed to a failed test */
  failure?: string;
  /** SMTP only: offer "send a test email to…" */
  withRecipient?: boolean;
  onTest(to?: string): void;
}

/** What the page passes to a section to drive its Test button. */
export type SectionTestProps = Pick<
  ConnectionTestPanelProps,
  'pending' | 'result' | 'failure' | 'onTest'
>;

const emailSchema = z.email();

/** The Test button of a section, its optional recipient, and the outcome. */
export const ConnectionTestPanel = (props: ConnectionTestPanelProps) => {
  const { msg } = useMsg();
  const intl = useIntl();
  const [to, setTo] = React.useState('');
  const outcomeRef = React.useRef<HTMLDivElement>(null);
  const headingRef = React.useRef<HTMLDivElement>(null);
  const [announcement, setAnnouncement] = React.useState('');
  const ran = React.useRef(false);
  // The result appears below the button, often below the fold: once a run ends, bring it into
  // view, put the focus on its heading (the button was disabled while it ran, so the focus was
  // lost) and say the outcome in one line to screen readers.
  React.useEffect(() => {
    if (props.pending) {
      ran.current = true;
      setAnnouncement('');
      return;
    }
    if (!ran.current || (!props.result && !props.failure)) return;
    ran.current = false;
    setAnnouncement(
      props.result ? summarize(intl, props.name, props.result) : (props.failure ?? '')
    );
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    outcomeRef.current?.scrollIntoView({
      block: 'nearest',
      behavior: reduced ? 'auto' : 'smooth',
    });
    headingRef.current?.focus({ preventScroll: true });
  }, [props.pending, props.result, props.failure, props.name, intl]);
  const toInvalid = to.trim() !== '' && !emailSchema.safeParse(to.trim()).success;
  const run = () => {
    if (!toInvalid) props.onTest(to.trim() || undefined);
  };

  return (
    <Box borderColor="neutral200" hasRadius padding={5}>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Typography textColor="neutral600">{props.description}</Typography>
        <Flex gap={4} alignItems="flex-end" wrap="wrap">
          {props.withRecipient ? (
            <Box minWidth="28rem">
              <Field.Root
                name="test-recipient"
                error={
                  toInvalid ? msg('Settings.error.email', 'Enter an email address') : undefined
                }
                hint={msg(
                  'Settings.test.to.hint',
                  'Optional: also send a real email to this address.'
                )}
              >
                <Field.Label>{msg('Settings.test.to.label', 'Send a test email to…')}</Field.Label>
                <TextInput
                  type="email"
                  autoComplete="off"
                  placeholder="you@example.com"
                  value={to}
                  onChange={(event: React.ChangeEvent<HTMLInputElement>) =>
                    setTo(event.target.value)
                  }
                  // Enter runs the test here; it must not submit (save) the settings form.
                  onKeyDown={(event: React.KeyboardEvent<HTMLInputElement>) => {
                    if (event.key === 'Enter') {
                      event.preventDefault();
                      run();
                    }
                  }}
                />
                <Field.Hint />
                <Field.Error />
              </Field.Root>
            </Box>
          ) : null}
          <Box paddingBottom={props.withRecipient ? 6 : 0}>
            <Button
              variant="secondary"
              startIcon={<Play />}
              loading={props.pending}
              disabled={props.pending || toInvalid}
              onClick={run}
            >
              {props.label}
            </Button>
          </Box>
        </Flex>
        <VisuallyHidden>
          <div role="status" aria-live="polite" aria-atomic="true">
            {announcement}
          </div>
        </VisuallyHidden>
        <Box ref={outcomeRef} aria-busy={props.pending} style={{ scrollMarginBottom: 24 }}>
          {props.pending ? (
            <Flex gap={2}>
              <Loader small />
              <Typography textColor="neutral600">
                {msg('Settings.test.running', 'Testing the connection…')}
              </Typography>
            </Flex>
          ) : props.failure ? (
            <div ref={headingRef} tabIndex={-1}>
              <DismissibleAlert variant="danger">{props.failure}</DismissibleAlert>
            </div>
          ) : props.result ? (
            <TestResult result={props.result} headingRef={headingRef} />
          ) : null}
        </Box>
      </Flex>
    </Box>
  );
};
