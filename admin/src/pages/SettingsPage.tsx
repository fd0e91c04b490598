import * as React from 'react';
import { Button, Flex } from '@strapi/design-system';
import { Check } from '@strapi/icons';
import { Layouts, Page, useNotification, useRBAC } from '@strapi/strapi/admin';
import { QueryClientProvider } from '@tanstack/react-query';
import { useIntl } from 'react-intl';
import type { SettingsView } from '../../../shared/contracts/settings';
import { ApiError } from '../api/client';
import { DismissibleAlert } from '../components/DismissibleAlert';
import { ImapSection } from '../components/ImapSection';
import { MailHealthStrip } from '../components/MailHealthStrip';
import { SmtpSection } from '../components/SmtpSection';
import { UnsavedChangesDialog } from '../components/UnsavedChangesDialog';
import { PERMISSIONS } from '../constants';
import { useSaveSettings } from '../hooks/useSaveSettings';
import { useSectionTest } from '../hooks/useSectionTest';
import { useSettings } from '../hooks/useSettings';
import { useSettingsForm } from '../hooks/useSettingsForm';
import { useUnsavedChangesGuard } from '../hooks/useUnsavedChangesGuard';
import { SettingsFormContext } from '../utils/formContext';
import { queryClient } from '../utils/queryClient';
import { serverErrors } from '../utils/validation';
import { useMsg } from '../hooks/useMsg';

const ACTIONS = [...PERMISSIONS.update, ...PERMISSIONS.test];

/** Moves the focus to the first field that shows an error, in page order. */
function focusFirstError() {
  // Two frames: after the render that shows the errors, so the field is announced with its own.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const target = document.querySelector<HTMLElement>('form [aria-invalid="true"]');
      target?.focus();
      target?.scrollIntoView({ block: 'center' });
    })
  );
}

interface SettingsEditorProps {
  view: SettingsView;
  canUpdate: boolean;
  canTest: boolean;
}

/** The form itself, once the settings and the admin's permissions are known. */
const SettingsEditor = ({ view, canUpdate, canTest }: SettingsEditorProps) => {
  const { msg } = useMsg();
  const { toggleNotification } = useNotification();
  const form = useSettingsForm(view);
  const save = useSaveSettings();
  const smtpTest = useSectionTest('smtp', form.values, form.showTestErrors);
  const imapTest = useSectionTest('imap', form.values, form.showTestErrors);
  const blocker = useUnsavedChangesGuard(form.dirty && !save.isPending);

  const context = React.useMemo(
    () => ({
      values: form.values,
      setField: form.setField,
      touch: form.touch,
      errorFor: form.errorFor,
      isLocked: (path: string) => form.locked.has(path),
      readOnly: !canUpdate,
    }),
    [form.values, form.setField, form.touch, form.errorFor, form.locked, canUpdate]
  );

  const onSubmit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!canUpdate || !form.dirty || save.isPending) return;
    if (!form.valid) {
      // Errors of untouched fields were hidden until now: show them all, and go to the first.
      form.revealErrors();
      focusFirstError();
      return;
    }
    save.mutate(form.request, {
      onSuccess: (saved) => {
        form.reset(saved);
        toggleNotification({
          type: 'success',
          message: msg('Settings.save.success', 'Mail server settings saved'),
        });
      },
      onError: (error) => {
        form.setServerErrors(error instanceof ApiError ? serverErrors(error.fieldErrors) : {});
        toggleNotification({
          type: 'danger',
          message: msg('Settings.save.error', 'The settings were not saved: {message}', {
            message: error.message,
          }),
        });
      },
    });
  };

  return (
    <SettingsFormContext.Provider value={context}>
      <form onSubmit={onSubmit} noValidate>
        <Layouts.Header
          title={msg('Settings.title', 'Mail Server')}
          subtitle={msg(
            'Settings.subtitle',
            "Connect Strapi to your organisation's mail server: SMTP to send, IMAP to read replies."
          )}
          primaryAction={
            canUpdate ? (
              <Button
                type="submit"
                startIcon={<Check />}
                disabled={!form.dirty || form.visibleErrors}
                loading={save.isPending}
              >
                {msg('Settings.save', 'Save')}
              </Button>
            ) : undefined
          }
        />
        <Layouts.Content>
          <Flex direction="column" alignItems="stretch" gap={6}>
            <MailHealthStrip />
            {!canUpdate ? (
              <DismissibleAlert
                variant="default"
                title={msg('Settings.readOnly.title', 'Read only')}
              >
                {msg(
                  'Settings.readOnly.body',
                  'Your role can view these settings but not change them.'
                )}
              </DismissibleAlert>
            ) : null}
            {!view.encryptionAvailable && canUpdate ? (
              <DismissibleAlert
                variant="warning"
                title={msg('Settings.encryption.title', 'Passwords cannot be saved')}
              >
                {msg(
                  'Settings.encryption.body',
                  'No encryption key is configured. Set ENCRYPTION_KEY (admin.secrets.encryptionKey in config/admin) and restart Strapi.'
                )}
              </DismissibleAlert>
            ) : null}
            <SmtpSection test={canTest ? smtpTest : undefined} />
            <ImapSection test={canTest ? imapTest : undefined} />
          </Flex>
        </Layouts.Content>
      </form>
      <UnsavedChangesDialog
        open={blocker.state === 'blocked'}
        onStay={() => blocker.reset?.()}
        onLeave={() => blocker.proceed?.()}
      />
    </SettingsFormContext.Provider>
  );
};

export const SettingsPage = () => {
  const { formatMessage } = useIntl();
  const { msg } = useMsg();
  const { allowedActions, isLoading: loadingPermissions } = useRBAC(ACTIONS);
  const settings = useSettings();
  const name = msg('Settings.title', 'Mail Server');

  if (settings.isPending || loadingPermissions) return <Page.Loading />;
  if (settings.isError) return <Page.Error />;

  return (
    <Page.Main>
      <Page.Title>
        {formatMessage({ id: 'Settings.PageTitle', defaultMessage: 'Settings - {name}' }, { name })}
      </Page.Title>
      <SettingsEditor
        view={settings.data}
        canUpdate={allowedActions.canUpdate === true}
        canTest={allowedActions.canTest === true}
      />
    </Page.Main>
  );
};

export const ProtectedSettingsPage = () => (
  <QueryClientProvider client={queryClient}>
    <Page.Protect permissions={PERMISSIONS.read}>
      <SettingsPage />
    </Page.Protect>
  </QueryClientProvider>
);
