import { z } from 'zod';

/** A page of rows and where it sits, as the plugin's list routes answer (Strapi's shape). */
export const pageOf = <T extends z.ZodType>(row: T) =>
  z.object({
    data: z.array(row),
    meta: z.object({
      pagination: z.object({
        page: z.number(),
        pageSize: z.number(),
        total: z.number(),
        pageCount: z.number(),
      }),
    }),
  });
