import { QueryClient } from '@tanstack/react-query';

/**
 * Strapi's admin provides react-query 3 for its own pages; this plugin brings its own client.
 * Settings do not change behind the admin's back often enough to refetch on focus, and a
 * refetch must never overwrite what the admin is typing.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: false, refetchOnWindowFocus: false, staleTime: 30_000 },
    mutations: { retry: false },
  },
});
