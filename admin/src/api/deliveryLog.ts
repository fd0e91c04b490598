/**
 * The delivery log routes of the plugin. Kept apart from api/client.ts like api/approvals.ts;
 * the same rules apply: the response is parsed with the shared contract, failures become
 * ApiError. These routes answer without Strapi's `{ data }` envelope.
 */
import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { z } from 'zod';
import {
  deliveryHealthSchema,
  outboundMessageListSchema,
  outboundMessageSchema,
  type DeliveryHealth,
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
  health: [PLUGIN_ID, 'delivery-log', 'health'] as const,
};

async function parsed<T extends z.ZodType>(
  schema: T,
  request: () => Promise<{ data: unknown }>
): Promise<z.infer<T>> {
  try {
    return schema.parse((await request()).data);
  } catch (err) {
    throw toApiError(err);
  }
}

export function useDeliveryLogApi() {
  const { get, post } = useFetchClient();
  const base = `/${PLUGIN_ID}/outbound-messages`;

  return React.useMemo(
    () => ({
      /** One page of the log, newest first. */
      async list(filters: DeliveryLogFilters): Promise<OutboundMessageList> {
        const params = Object.fromEntries(
          Object.entries(filters).filter(([, v]) => v !== undefined && v !== '')
        );
        return parsed(outboundMessageListSchema, () => get(base, { params }));
      },
      /** The sending account: failure streak, pause, limits and queue. */
      health(): Promise<DeliveryHealth> {
        return parsed(deliveryHealthSchema, () => get(`${base}/health`));
      },
      /** A failed or cancelled message back in the queue (ENOTRESENDABLE, ENOTFOUND). */
      resend(id: number): Promise<OutboundMessage> {
        return parsed(outboundMessageSchema, () => post(`${base}/${id}/resend`, {}));
      },
      /** A queued message that will not be sent (ENOTQUEUED, ENOTFOUND). */
      cancel(id: number): Promise<OutboundMessage> {
        return parsed(outboundMessageSchema, () => post(`${base}/${id}/cancel`, {}));
      },
    }),
    [get, post, base]
  );
}
