/**
 * What the page says of a Test outcome in its own words: the diagnosis of a withheld secret
 * (ESECRETDEST, by the stable parts that changed) and the one-line summary screen readers hear.
 */
import type { IntlShape, MessageDescriptor } from 'react-intl';
import type { ConnectionTestResult } from '../../../shared/contracts/connection-test';
import type { DestinationPart } from '../../../shared/contracts/settings';
import { getTranslation } from './getTranslation';

type TestError = NonNullable<ConnectionTestResult['error']>;

const d = (id: string, defaultMessage: string): MessageDescriptor => ({
  id: getTranslation(id),
  defaultMessage,
});

/** The words for each part of a destination, as the fields are labelled. */
export const PART_NAMES: Record<DestinationPart, MessageDescriptor> = {
  transport: d('Settings.setup.part.transport', 'transport (SMTP/IMAP or Microsoft Graph)'),
  host: d('Settings.setup.part.host', 'host'),
  port: d('Settings.setup.part.port', 'port'),
  security: d('Settings.setup.part.security', 'security'),
  username: d('Settings.setup.part.username', 'username'),
  'oauth2.enabled': d('Settings.setup.part.oauth2Enabled', 'OAuth2 setting'),
  'oauth2.grant': d('Settings.setup.part.grant', 'grant'),
  'oauth2.authorityHost': d('Settings.setup.part.authorityHost', 'authority host'),
  'oauth2.cloud': d('Settings.setup.part.cloud', 'Microsoft cloud'),
  'oauth2.tenantId': d('Settings.setup.part.tenantId', 'tenant ID'),
  'oauth2.clientId': d('Settings.setup.part.clientId', 'client ID'),
  'oauth2.scopes': d('Settings.setup.part.scopes', 'scopes'),
};

const SECRET_NAMES: Record<NonNullable<TestError['secret']>, MessageDescriptor> = {
  password: d('Settings.setup.secret.password', 'password'),
  clientSecret: d('Settings.setup.secret.clientSecret', 'client secret'),
  clientCertificate: d('Settings.setup.secret.clientCertificate', 'certificate'),
};

/** Diagnosis and fix as the page shows them: translated when the page knows the reason. */
export function describeError(
  intl: IntlShape,
  error: TestError
): { diagnosis: string; fix?: string } {
  if (error.code === 'ESECRETDEST' && error.reason === 'destination-changed' && error.changed) {
    const parts = intl.formatList(
      error.changed.map((part) => intl.formatMessage(PART_NAMES[part])),
      { type: 'conjunction' }
    );
    const secret = intl.formatMessage(SECRET_NAMES[error.secret ?? 'password']);
    return {
      diagnosis: intl.formatMessage(
        d(
          'Settings.setup.secretDest.diagnosis',
          'The saved {secret} was not used: the {parts} changed since it was saved, and a saved secret is only ever sent to the exact destination it was saved for.'
        ),
        { secret, parts }
      ),
      fix: intl.formatMessage(
        d(
          'Settings.setup.secretDest.fix',
          'Type the {secret} again to test with the new {parts}, or save the settings first.'
        ),
        { secret, parts }
      ),
    };
  }
  return { diagnosis: error.diagnosis, fix: error.fix };
}

/** "SMTP test passed" / "SMTP test failed: <diagnosis>", for the live region. */
export function summarize(intl: IntlShape, name: string, result: ConnectionTestResult): string {
  if (result.ok) {
    return intl.formatMessage(d('Settings.setup.summary.passed', '{name} test passed'), { name });
  }
  const diagnosis = result.error ? describeError(intl, result.error).diagnosis : '';
  return intl.formatMessage(d('Settings.setup.summary.failed', '{name} test failed: {diagnosis}'), {
    name,
    diagnosis: diagnosis.replace(/`/g, ''),
  });
}
