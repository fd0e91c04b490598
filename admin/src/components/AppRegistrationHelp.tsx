import { Flex, Link, Typography } from '@strapi/design-system';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { MICROSOFT_GRAPH_MAIL_DOC, MICROSOFT_OAUTH_DOC } from '../utils/microsoft';
import { useMsg } from '../hooks/useMsg';

/**
 * What to do in the Azure portal for this section: app-only tokens need application
 * permissions and admin consent; delegated ones the user's permissions and consent.
 */
export const AppRegistrationHelp = ({ kind, grant }: { kind: SectionKind; grant?: string }) => {
  const { msg } = useMsg();
  const transport = useFormField<string | undefined>(`${kind}.transport`);
  const appOnly = grant === 'client_credentials';
  if (transport.value === 'graph') return <GraphHelp kind={kind} appOnly={appOnly} />;
  const permission = appOnly
    ? kind === 'smtp'
      ? 'SMTP.SendAsApp'
      : 'IMAP.AccessAsApp'
    : kind === 'smtp'
      ? 'SMTP.Send'
      : 'IMAP.AccessAsUser.All';
  return (
    <Flex direction="column" alignItems="flex-start" gap={2}>
      <Typography variant="omega" textColor="neutral700">
        {appOnly
          ? msg(
              'Settings.oauth2.help',
              'In the Azure portal, open Microsoft Entra ID → App registrations and register an app (or open yours). Its Overview page shows the Directory (tenant) ID and the Application (client) ID; under Certificates & secrets, upload a certificate (recommended) or create a client secret. Under API permissions, add Office 365 Exchange Online → {permission} (application permission), then click Grant admin consent. Exchange also needs the app registered as a service principal with access to the mailbox.',
              { permission }
            )
          : msg(
              'Settings.oauth2.help.delegated',
              'In the Azure portal, open Microsoft Entra ID → App registrations and register an app (or open yours). Its Overview page shows the Directory (tenant) ID and the Application (client) ID; under Certificates & secrets, upload a certificate (recommended) or create a client secret. Under API permissions, add Office 365 Exchange Online → {permission} and offline_access (delegated permissions), and grant consent. The token acts as the signed-in user, who must own the mailbox or have Full Access to it.',
              { permission }
            )}
      </Typography>
      <Link href={MICROSOFT_OAUTH_DOC} isExternal>
        {msg('Settings.oauth2.help.link', 'Microsoft guide: authenticate IMAP and SMTP with OAuth')}
      </Link>
    </Flex>
  );
};

/** Microsoft Graph: Mail.Send or Mail.ReadWrite, and the scoping that limits the app's reach. */
const GraphHelp = ({ kind, appOnly }: { kind: SectionKind; appOnly: boolean }) => {
  const { msg } = useMsg();
  const permission =
    (kind === 'smtp' ? 'Mail.Send' : 'Mail.ReadWrite') + (appOnly ? '' : '.Shared');
  return (
    <Flex direction="column" alignItems="flex-start" gap={2}>
      <Typography variant="omega" textColor="neutral700">
        {appOnly
          ? msg(
              'Settings.oauth2.help.graph',
              'In the Azure portal, open Microsoft Entra ID → App registrations and register an app (or open yours). Its Overview page shows the Directory (tenant) ID and the Application (client) ID; under Certificates & secrets, upload a certificate (recommended) or create a client secret. Under API permissions, add Microsoft Graph → {permission} (application permission), then click Grant admin consent. Without more, the app may use every mailbox of the tenant: limit it to this one with RBAC for Applications (or an application access policy) in Exchange Online.',
              { permission }
            )
          : msg(
              'Settings.oauth2.help.graph.delegated',
              'In the Azure portal, open Microsoft Entra ID → App registrations and register an app (or open yours). Its Overview page shows the Directory (tenant) ID and the Application (client) ID; under Certificates & secrets, upload a certificate (recommended) or create a client secret. Under API permissions, add Microsoft Graph → {permission} and offline_access (delegated permissions), and grant consent. The token acts as the signed-in user, who must own the mailbox or have Full Access to it (Send As to send from it).',
              { permission }
            )}
      </Typography>
      <Link href={MICROSOFT_GRAPH_MAIL_DOC} isExternal>
        {msg('Settings.oauth2.help.graph.link', 'Microsoft guide: mail in Microsoft Graph')}
      </Link>
    </Flex>
  );
};
