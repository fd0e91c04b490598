import { useIntl } from 'react-intl';
import { sectionToInput, type SectionKind, type SettingsForm } from '../utils/form';
import { getTranslation } from '../utils/getTranslation';
import { validateTest, type FieldErrors } from '../utils/validation';
import { useConnectionTest } from './useConnectionTest';

/**
 * The Test of one section, run on the current form values, saved or not. Values the API would
 * refuse are shown on their fields instead of being sent.
 */
export function useSectionTest(
  kind: SectionKind,
  values: SettingsForm,
  showErrors: (kind: SectionKind, errors: FieldErrors) => void
) {
  const { formatMessage } = useIntl();
  const mutation = useConnectionTest(kind);

  const onTest = (to?: string) => {
    const errors = validateTest(kind, values[kind]);
    showErrors(kind, errors);
    if (Object.keys(errors).length > 0) return;
    if (kind === 'smtp') {
      mutation.mutate({ smtp: sectionToInput('smtp', values.smtp), to });
    } else {
      mutation.mutate({ imap: sectionToInput('imap', values.imap) });
    }
  };

  return {
    pending: mutation.isPending,
    result: mutation.data,
    failure: mutation.error
      ? formatMessage(
          {
            id: getTranslation('Settings.test.requestFailed'),
            defaultMessage: 'The test could not be run: {message}',
          },
          { message: mutation.error.message }
        )
      : undefined,
    onTest,
  };
}
