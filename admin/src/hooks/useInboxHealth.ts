import { useQuery } from '@tanstack/react-query';
import { inboxHealthQueryKey, useInboxHealthApi } from '../api/inboxHealth';

/** Read again this often: a pass of the job runs every poll interval, or at once with IDLE. */
export const INBOX_HEALTH_REFRESH_MS = 10_000;

export function useInboxHealth(enabled = true) {
  const api = useInboxHealthApi();
  return useQuery({
    queryKey: inboxHealthQueryKey,
    queryFn: () => api.get(),
    enabled,
    staleTime: 0,
    refetchInterval: INBOX_HEALTH_REFRESH_MS,
  });
}
