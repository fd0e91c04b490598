/**
 * The delivery log route of the plugin. Kept apart from api/client.ts like api/approvals.ts;
 * the same rules apply: the response is parsed with the shared contract, failures become
 * ApiError.
 */
import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { z } from 'zod';
import {
  outboundMessageListSchema,
  type OutboundMessage,
  type OutboundMessageList,
} from '../../../shared/contracts/outbound-message';
import { PLUGIN_ID } from '../pluginId';
import { toApiError } from './client';

export interface DeliveryLogFilters {
  status?: OutboundMessage['status'];
  recipient?: string;
  page: number;
  pageSize: number;
}

export const deliveryLogQueryKeys = {
  all: [PLUGIN_ID, 'delivery-log'] as const,
  list: (filters: DeliveryLogFilters) => [PLUGIN_ID, 'delivery-log', 'list', filters] as const,
};

export function useDeliveryLogApi() {
  const { get } = useFetchClient();

  return React.useMemo(
    () => ({
      /** One page of the log, newest first. */
      async list(filters: DeliveryLogFilters): Promise<OutboundMessageList> {
        const params = Object.fromEntries(
          Object.entries(filters).filter(([, v]) => v !== undefined && v !== '')
        );
        try {
          const { data } = await get(`/${PLUGIN_ID}/outbound-messages`, { params });
          return outboundMessageListSchema.parse(data);
        } catch (err) {
          throw toApiError(err);
        }
      },
    }),
    [get]
  );
}
