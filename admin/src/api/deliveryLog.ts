/**
 * The delivery log route of the plugin. Kept apart from api/client.ts like api/approvals.ts;
 * the same rules apply: the response is parsed with the shared contract, failures become
 * ApiError.
 */
import * as React from 'react';
import { isFetchError, useFetchClient } from '@strapi/strapi/admin';
import { z } from 'zod';
import {
  outboundMessageListSchema,
  type OutboundMessageList,
} from '../../../shared/contracts/outbound-message';
import { PLUGIN_ID } from '../pluginId';
import { ApiError } from './client';

export interface DeliveryLogFilters {
  status?: 'sent' | 'failed';
  recipient?: string;
  page: number;
  pageSize: number;
}

export const deliveryLogQueryKeys = {
  all: [PLUGIN_ID, 'delivery-log'] as const,
  list: (filters: DeliveryLogFilters) => [PLUGIN_ID, 'delivery-log', 'list', filters] as const,
};

const errorSchema = z.object({
  error: z.object({ status: z.number().optional(), message: z.string().optional() }),
});

function toApiError(err: unknown): unknown {
  if (!isFetchError(err)) return err;
  const parsed = errorSchema.safeParse(err.response?.data);
  const message = (parsed.success && parsed.data.error.message) || err.message;
  return new ApiError(message, err.status, {});
}

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
