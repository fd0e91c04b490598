import * as React from 'react';

/**
 * A diagnosis or fix as text, with its `code` spans (commands such as
 * `Set-CASMailbox -Identity …`) shown as code instead of literal backticks. The server keeps the
 * backticks: they mark what to type, and an API client or a log reads them as such.
 */
export const CodeText = ({ text }: { text: string }) => {
  const parts = text.split(/`([^`]+)`/);
  if (parts.length === 1) return <>{text}</>;
  return (
    <>
      {/* split() with a capture group: odd parts are the code spans */}
      {parts.map((part, index) =>
        index % 2 === 1 ? (
          <code key={index} style={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>
            {part}
          </code>
        ) : (
          <React.Fragment key={index}>{part}</React.Fragment>
        )
      )}
    </>
  );
};
