import { useIntl } from 'react-intl';
import { getTranslation } from '../utils/getTranslation';

type Values = Record<string, string | number | null | undefined>;

/** `msg('Approvals.title', 'Approvals')`: a plugin message by its short id, with its English text. */
export function useMsg() {
  const { formatMessage, formatDate } = useIntl();
  const msg = (id: string, defaultMessage: string, values?: Values) =>
    formatMessage({ id: getTranslation(id), defaultMessage }, values as never);
  const date = (value: string | null | undefined) =>
    value ? formatDate(value, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
  return { msg, date };
}
