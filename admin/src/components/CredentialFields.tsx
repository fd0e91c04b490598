import { Grid } from '@strapi/design-system';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { SecretField } from './SecretField';
import { SelectField } from './SelectField';
import { useMsg } from '../hooks/useMsg';

/** How the app proves itself: a certificate (shown by its thumbprint once saved) or a secret. */
export const CredentialFields = ({ kind }: { kind: SectionKind }) => {
  const { msg } = useMsg();
  const credential = useFormField<string>(`${kind}.oauth2.credential`);
  const thumbprint = useFormField<string | null>(`${kind}.oauth2.certificateThumbprint`);
  const credentials = [
    {
      value: 'certificate',
      label: msg(
        'Settings.oauth2.credential.certificate',
        'Certificate (recommended by Microsoft)'
      ),
    },
    { value: 'secret', label: msg('Settings.oauth2.credential.secret', 'Client secret') },
  ];
  return (
    <>
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <SelectField
          path={`${kind}.oauth2.credential`}
          label={msg('Settings.oauth2.credential.label', 'Credential')}
          options={credentials}
          hint={msg(
            'Settings.oauth2.credential.hint',
            'How Strapi proves to Microsoft Entra ID that it is this app.'
          )}
        />
      </Grid.Item>
      {credential.value === 'certificate' ? (
        <Grid.Item col={12} direction="column" alignItems="stretch">
          <SecretField
            path={`${kind}.oauth2.clientCertificate`}
            label={msg('Settings.oauth2.clientCertificate.label', 'Certificate and private key')}
            multiline
            setText={
              thumbprint.value
                ? msg(
                    'Settings.oauth2.clientCertificate.set',
                    'Set: SHA-256 thumbprint {thumbprint}',
                    {
                      thumbprint: thumbprint.value,
                    }
                  )
                : undefined
            }
            hint={msg(
              'Settings.oauth2.clientCertificate.hint',
              'Paste the private key (BEGIN PRIVATE KEY) and its certificate (BEGIN CERTIFICATE) in PEM form. Upload the certificate alone under Certificates & secrets → Certificates. The key is stored encrypted and never shown again.'
            )}
          />
        </Grid.Item>
      ) : (
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <SecretField
            path={`${kind}.oauth2.clientSecret`}
            label={msg('Settings.oauth2.clientSecret.label', 'Client secret')}
            hint={msg(
              'Settings.oauth2.clientSecret.hint',
              'The Value of a secret from Certificates & secrets (not its Secret ID).'
            )}
          />
        </Grid.Item>
      )}
    </>
  );
};
