import { useQuery } from '@tanstack/react-query';
import { queryKeys, useApiClient } from '../api/client';

export function useSettings() {
  const client = useApiClient();
  return useQuery({ queryKey: queryKeys.settings, queryFn: () => client.getSettings() });
}
