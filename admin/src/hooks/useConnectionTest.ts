import { useMutation } from '@tanstack/react-query';
import { useApiClient, type ConnectionTestRequest } from '../api/client';

/** Runs the Test of one section; the last result stays in `data` until the next run. */
export function useConnectionTest<K extends keyof ConnectionTestRequest>(kind: K) {
  const client = useApiClient();
  return useMutation({
    mutationFn: (body: ConnectionTestRequest[K]) => client.testConnection(kind, body),
  });
}
