/**
 * The OAuth2 routes of the plugin (status, Connect account, Disconnect). Kept apart from
 * api/client.ts so the settings page's client stays as it is; the same rules apply: every
 * response is parsed with the shared contract, failures become ApiError.
 */
import * as React from 'react';
import { isFetchError, useFetchClient } from '@strapi/strapi/admin';
import { z } from 'zod';
import {
  oauthConnectResultSchema,
  oauthStatusSchema,
  type OAuthConnectResult,
  type OAuthSection,
  type OAuthStatus,
} from '../../../shared/contracts/oauth';
import { PLUGIN_ID } from '../pluginId';
import { ApiError } from './client';

export const oauthQueryKeys = {
  status: [PLUGIN_ID, 'oauth', 'status'] as const,
};

const envelope = <T extends z.ZodType>(data: T) => z.object({ data });
const disconnectResultSchema = z.object({ disconnected: z.boolean() });
const errorSchema = z.object({
  error: z.object({ status: z.number().optional(), message: z.string().optional() }),
});

function toApiError(err: unknown): unknown {
  if (!isFetchError(err)) return err;
  const parsed = errorSchema.safeParse(err.response?.data);
  const message = (parsed.success && parsed.data.error.message) || err.message;
  return new ApiError(message, err.status, {});
}

export function useOAuthApi() {
  const { get, post, del } = useFetchClient();

  return React.useMemo(() => {
    const call = async <T extends z.ZodType>(
      schema: T,
      request: () => Promise<{ data: unknown }>
    ) => {
      try {
        const { data } = await request();
        return (envelope(schema).parse(data) as { data: z.infer<T> }).data;
      } catch (err) {
        throw toApiError(err);
      }
    };
    return {
      getStatus(): Promise<OAuthStatus> {
        return call(oauthStatusSchema, () => get(`/${PLUGIN_ID}/oauth/status`));
      },
      /** Sets the flow's cookie and returns the sign-in URL to navigate to. */
      connect(section: OAuthSection): Promise<OAuthConnectResult> {
        return call(oauthConnectResultSchema, () =>
          post(`/${PLUGIN_ID}/oauth/${section}/connect`, {})
        );
      },
      disconnect(section: OAuthSection): Promise<{ disconnected: boolean }> {
        return call(disconnectResultSchema, () => del(`/${PLUGIN_ID}/oauth/${section}`));
      },
    };
  }, [get, post, del]);
}
