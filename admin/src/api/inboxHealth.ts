/**
 * The mailbox job's health route (GET /mail-server/inbox-health), parsed with the shared
 * contract; failures become ApiError, as in the other api/ helpers.
 */
import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { inboxHealthSchema, type InboxHealth } from '../../../shared/contracts/inbox-health';
import { PLUGIN_ID } from '../pluginId';
import { toApiError } from './client';

export type { InboxHealth };

export const inboxHealthQueryKey = [PLUGIN_ID, 'inbox-health'] as const;

export function useInboxHealthApi() {
  const { get } = useFetchClient();
  return React.useMemo(
    () => ({
      async get(): Promise<InboxHealth> {
        try {
          return inboxHealthSchema.parse((await get(`/${PLUGIN_ID}/inbox-health`)).data);
        } catch (err) {
          throw toApiError(err);
        }
      },
    }),
    [get]
  );
}
