import * as React from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import type { OAuthSection } from '../../../shared/contracts/oauth';
import { oauthQueryKeys, useOAuthApi } from '../api/oauth';

/** How the last "Connect account" ended, read once from the URL the callback redirected to. */
export type ConnectOutcome = { result: 'connected' | 'failed'; code?: string };

/**
 * The OAuth2 status of a section (connected account, token renewal, warnings of the background
 * check), and the Connect / Disconnect actions. Connect leaves the page for the identity
 * platform's sign-in; the plugin's callback brings the browser back here with `?oauth=…`.
 */
export function useOAuthConnection(section: OAuthSection) {
  const api = useOAuthApi();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [outcome, setOutcome] = React.useState<ConnectOutcome | null>(null);

  React.useEffect(() => {
    const result = params.get('oauth');
    // Without a section (the answer could not be read at all) the SMTP section reports it.
    const target = params.get('section') ?? 'smtp';
    if (target !== section || (result !== 'connected' && result !== 'failed')) return;
    setOutcome({ result, code: params.get('code') ?? undefined });
    // Once shown, the outcome must not come back on a reload.
    const rest = new URLSearchParams(params);
    ['oauth', 'section', 'code'].forEach((k) => rest.delete(k));
    setParams(rest, { replace: true });
  }, [params, section, setParams]);

  const status = useQuery({
    queryKey: oauthQueryKeys.status,
    queryFn: () => api.getStatus(),
    // The background check runs every 10 minutes; a page left open follows it.
    refetchInterval: 60_000,
  });

  const connect = useMutation({
    mutationFn: () => api.connect(section),
    onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl),
  });

  const disconnect = useMutation({
    mutationFn: () => api.disconnect(section),
    onSuccess: () => {
      setOutcome(null);
      return queryClient.invalidateQueries({ queryKey: oauthQueryKeys.status });
    },
  });

  return {
    status: status.data?.[section],
    redirectUri: status.data?.redirectUri,
    loading: status.isLoading,
    loadError: status.error,
    outcome,
    connect,
    disconnect,
  };
}
