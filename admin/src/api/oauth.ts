/**
 * The OAuth2 routes of the plugin (status, Connect account, Disconnect). Kept apart from
 * api/client.ts so the settings page's client stays as it is; the same rules apply: every
 * response is parsed with the shared contract, failures become ApiError.
 */
import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { z } from 'zod';
import {
  oauthConnectResultSchema,
  oauthStatusSchema,
  type OAuthConnectResult,
  type OAuthSection,
  type OAuthStatus,
} from '../../../shared/contracts/oauth';
import { PLUGIN_ID } from '../pluginId';
import { requestData } from './client';

export const oauthQueryKeys = {
  status: [PLUGIN_ID, 'oauth', 'status'] as const,
};

const disconnectResultSchema = z.object({ disconnected: z.boolean() });
export function useOAuthApi() {
  const { get, post, del } = useFetchClient();

  return React.useMemo(() => {
    const call = requestData;
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
