import * as React from 'react';
import { Box, Button, Field, Flex, Textarea, Typography } from '@strapi/design-system';
import { useAnalyzeMessage } from '../hooks/useApprovals';
import { useMsg } from '../hooks/useMsg';

const show = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
};

/** Paste a raw reply (.eml) and see what the inbox job would make of it, without applying it. */
export const DecisionSimulator = () => {
  const { msg } = useMsg();
  const [raw, setRaw] = React.useState('');
  const analyze = useAnalyzeMessage();
  const result = analyze.data;
  const rows: [string, string][] = result
    ? [
        [msg('Simulator.kind', 'Kind'), show(result.analysis.kind)],
        [msg('Simulator.decision', 'Decision'), show(result.analysis.decision)],
        [msg('Simulator.comment', 'Comment'), show(result.analysis.comment)],
        [msg('Simulator.from', 'From'), show(result.analysis.from)],
        [msg('Simulator.reference', 'Reference'), show(result.analysis.reference)],
        [msg('Simulator.verdict', 'Verdict'), show(result.verdict)],
        [msg('Simulator.reason', 'Reason'), show(result.reason ?? result.analysis.reason)],
        [
          msg('Simulator.request', 'Matched request'),
          result.request
            ? `#${result.request.id} · ${show(result.request.title)} (${result.request.status})`
            : msg('Simulator.noRequest', 'none'),
        ],
      ]
    : [];

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Field.Root
        name="raw"
        hint={msg(
          'Simulator.hint',
          'The whole message, headers included, as saved in a .eml file.'
        )}
      >
        <Field.Label>{msg('Simulator.label', 'Raw message')}</Field.Label>
        <Textarea
          value={raw}
          onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setRaw(e.target.value)}
          spellCheck={false}
        />
        <Field.Hint />
      </Field.Root>
      <Flex>
        <Button
          variant="secondary"
          disabled={raw.trim() === ''}
          loading={analyze.isPending}
          onClick={() => analyze.mutate(raw)}
        >
          {msg('Simulator.run', 'Analyze')}
        </Button>
      </Flex>
      {analyze.isError ? (
        <Typography textColor="danger600">
          {msg('Simulator.error', 'The message could not be analyzed: {message}', {
            message: analyze.error.message,
          })}
        </Typography>
      ) : null}
      {result ? (
        <Box
          tag="dl"
          aria-label={msg('Simulator.result', 'Analysis')}
          background="neutral100"
          padding={4}
          hasRadius
        >
          {rows.map(([label, value]) => (
            <Flex key={label} gap={2} paddingBottom={1}>
              <Typography tag="dt" fontWeight="bold" variant="pi">
                {label}
              </Typography>
              <Typography tag="dd" variant="pi">
                {value}
              </Typography>
            </Flex>
          ))}
        </Box>
      ) : null}
    </Flex>
  );
};
