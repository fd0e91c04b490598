import { Link, Typography } from '@strapi/design-system';
import { NavLink } from 'react-router-dom';
import type { ApprovalRow } from '../api/approvals';
import { useMsg } from '../hooks/useMsg';

/**
 * The entry a request is about: its title linked to its edit view, and its content type's
 * name. An admin whose role may not read the type gets the type and a neutral label only
 * (the server sends them no title nor link).
 */
export const ApprovalEntryLink = ({ request }: { request: ApprovalRow }) => {
  const { msg } = useMsg();
  const entry = request.entry;
  const hidden = msg('approvals.page.entry.hidden', 'An entry you may not read');
  if (!entry) {
    return <Typography fontWeight="bold">{request.title || hidden}</Typography>;
  }
  const title =
    entry.title ||
    (entry.readable ? msg('approvals.page.entry.untitled', 'Untitled entry') : hidden);
  return (
    <Typography fontWeight="bold">
      {entry.path ? (
        <Link tag={NavLink} to={entry.path}>
          {title}
        </Link>
      ) : (
        title
      )}
      <Typography variant="pi" textColor="neutral600" fontWeight="regular">
        {' · '}
        {entry.displayName}
        {entry.locale ? ` (${entry.locale})` : ''}
      </Typography>
    </Typography>
  );
};
