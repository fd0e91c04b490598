import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { SettingsInput } from '../../../shared/contracts/settings';
import { queryKeys, useApiClient } from '../api/client';

export function useSaveSettings() {
  const client = useApiClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SettingsInput) => client.saveSettings(input),
    onSuccess: (view) => queryClient.setQueryData(queryKeys.settings, view),
  });
}
