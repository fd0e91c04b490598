/**
 * Folders of a mailbox in Microsoft Graph, named as the IMAP section names them: `INBOX` is the
 * Inbox (Graph's well-known name `inbox`), `Processed` a folder at the top of the mailbox,
 * `Inbox/Approvals` a folder inside the Inbox. Graph knows folders by id; the names are looked
 * up with `$filter=displayName eq '…'` level by level and the ids kept for the connection.
 * https://learn.microsoft.com/graph/api/user-list-mailfolders,
 * https://learn.microsoft.com/graph/api/mailfolder-list-childfolders,
 * https://learn.microsoft.com/graph/api/user-post-mailfolders
 */
import { MailError } from '../errors';
import type { GraphAnswer, GraphCall } from './http';

export interface GraphFolder {
  id: string;
  displayName: string;
  totalItemCount?: number;
  unreadItemCount?: number;
}

/** A Graph call with its token (and its throttling handled) by the caller. */
type Request = (call: Omit<GraphCall, 'token'>) => Promise<GraphAnswer>;

/** OData string literal: a quote inside is doubled. */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function graphFolders(request: Request, user: string) {
  const ids = new Map<string, string>();

  async function child(parent: string | undefined, name: string): Promise<GraphFolder | null> {
    if (!parent && name.toLowerCase() === 'inbox') {
      const { json } = await request({ method: 'GET', path: `${user}/mailFolders/inbox` });
      return json as GraphFolder;
    }
    const base = parent
      ? `${user}/mailFolders/${encodeURIComponent(parent)}/childFolders`
      : `${user}/mailFolders`;
    const filter = encodeURIComponent(`displayName eq ${literal(name)}`);
    const { json } = await request({ method: 'GET', path: `${base}?$filter=${filter}` });
    return (json as { value?: GraphFolder[] }).value?.[0] ?? null;
  }

  async function create(parent: string | undefined, name: string): Promise<GraphFolder> {
    const path = parent
      ? `${user}/mailFolders/${encodeURIComponent(parent)}/childFolders`
      : `${user}/mailFolders`;
    try {
      const { json } = await request({
        method: 'POST',
        path,
        body: JSON.stringify({ displayName: name }),
      });
      return json as GraphFolder;
    } catch (err) {
      // Another instance created it meanwhile: use theirs.
      if (err instanceof MailError && err.reason === 'ErrorFolderExists') {
        const found = await child(parent, name);
        if (found) return found;
      }
      throw err;
    }
  }

  return {
    /** The folder of this name (created level by level with `create`), or null when missing. */
    async find(name: string, opts: { create?: boolean } = {}): Promise<GraphFolder | null> {
      const parts = name.split('/').filter((p) => p.trim() !== '');
      const known = ids.get(name);
      if (known) return { id: known, displayName: parts.at(-1) ?? name };
      let parent: string | undefined;
      let found: GraphFolder | null = null;
      for (const part of parts) {
        found = (await child(parent, part)) ?? (opts.create ? await create(parent, part) : null);
        if (!found) return null;
        parent = found.id;
      }
      if (found) ids.set(name, found.id);
      return found;
    },
    /** Forgets a folder's id (it was deleted or moved since). */
    forget(name: string) {
      ids.delete(name);
    },
  };
}

/** A folder that is not there: the same error as IMAP's for a missing mailbox. */
export function folderMissing(name: string, mailbox: string): MailError {
  return new MailError('EMAILBOX', `The folder "${name}" does not exist in ${mailbox}.`, {
    diagnosis: `Microsoft Graph found no folder "${name}" in the mailbox ${mailbox}.`,
    fix: 'Enter the folder as Outlook shows it (INBOX for the Inbox; Inbox/Name for a folder inside it).',
    reason: 'folder-missing',
  });
}
