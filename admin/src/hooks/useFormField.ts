import * as React from 'react';
import { useIntl } from 'react-intl';
import { SettingsFormContext } from '../utils/formContext';
import { getIn } from '../utils/objects';
import { getTranslation } from '../utils/getTranslation';

/** One field of the settings form by its dotted path (`smtp.port`). */
export function useFormField<T>(path: string) {
  const context = React.useContext(SettingsFormContext);
  if (!context) throw new Error('useFormField must be used inside the settings form');
  const { formatMessage } = useIntl();
  const error = context.errorFor(path);
  const locked = context.isLocked(path);
  return {
    name: path,
    value: getIn(context.values, path) as T,
    onChange: (value: T) => context.setField(path, value),
    onBlur: () => context.touch(path),
    /** the form's other fields: a pasted URL in a host field sets port and security too */
    setField: context.setField,
    error: error ? formatMessage(error.descriptor, error.values) : undefined,
    locked,
    disabled: context.readOnly || locked,
    readOnly: context.readOnly,
    /** why the field cannot be edited: it comes from the app's config/plugins */
    lockedHint: locked
      ? formatMessage(
          {
            id: getTranslation('Settings.locked.hint'),
            defaultMessage: "Set by the app's configuration ({config}); change it there.",
          },
          { config: `config/plugins › mail-server › config.${path}` }
        )
      : undefined,
  };
}
