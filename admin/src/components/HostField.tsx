import * as React from 'react';
import { Typography } from '@strapi/design-system';
import {
  authorityHostOf,
  splitHostInput,
  type SplitHost,
} from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import { useMsg } from '../hooks/useMsg';
import type { SectionKind } from '../utils/form';
import { TextField } from './TextField';

interface HostFieldProps {
  kind: SectionKind;
  /** the mail server's host (port and security follow a pasted URL) or the authority host */
  target: 'server' | 'authority';
  label: string;
  hint: string;
  placeholder?: string;
}

/**
 * A host field that takes a pasted URL (`smtps://mail.example.com:465`, `https://host/`) or
 * `host:port` apart instead of refusing it: the host stays here, the port and the security go
 * to their fields, and a note under the field says what was taken, so nothing changes unseen.
 * The API splits the same way (shared/contracts/settings.ts), for clients that send a URL.
 */
export const HostField = ({ kind, target, label, hint, placeholder }: HostFieldProps) => {
  const { msg } = useMsg();
  const path = target === 'server' ? `${kind}.host` : `${kind}.oauth2.authorityHost`;
  const field = useFormField<string>(path);
  const [taken, setTaken] = React.useState<SplitHost | null>(null);
  const securityNames: Record<string, string> = {
    tls: msg('Settings.setup.security.tls', 'SSL/TLS (implicit)'),
    starttls: msg('Settings.setup.security.starttls', 'STARTTLS'),
    none: msg('Settings.setup.security.none', 'None (unencrypted)'),
  };

  const onValueChange = (value: string) => {
    const split = splitHostInput(value);
    if (!split) {
      field.onChange(value);
      return;
    }
    if (target === 'authority') {
      field.onChange(authorityHostOf(value));
    } else {
      field.onChange(split.host);
      if (split.port !== undefined) field.setField(`${kind}.port`, String(split.port));
      if (split.security) field.setField(`${kind}.security`, split.security);
    }
    setTaken(split);
  };

  // The note stays while the field holds what was taken; typing something else retires it.
  const shownAs =
    target === 'authority' && taken?.port !== undefined
      ? `${taken.host}:${taken.port}`
      : taken?.host;
  const note = taken
    ? taken.port !== undefined && taken.security && target === 'server'
      ? msg(
          'Settings.setup.paste.hostPortSecurity',
          'Taken from the pasted address: host {host}, port {port}, security {security}.',
          { host: taken.host, port: taken.port, security: securityNames[taken.security] }
        )
      : taken.port !== undefined
        ? msg(
            'Settings.setup.paste.hostPort',
            'Taken from the pasted address: host {host}, port {port}.',
            { host: taken.host, port: taken.port }
          )
        : msg('Settings.setup.paste.host', 'Taken from the pasted address: host {host}.', {
            host: taken.host,
          })
    : null;

  return (
    <>
      <TextField
        path={path}
        label={label}
        hint={hint}
        placeholder={placeholder}
        onValueChange={onValueChange}
      />
      {/* polite: the admin pasted, the page says what it did with it */}
      <div role="status">
        {note && field.value === shownAs ? (
          <Typography variant="pi" textColor="success700">
            {note}
          </Typography>
        ) : null}
      </div>
    </>
  );
};
