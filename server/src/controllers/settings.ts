import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { settingsInputSchema } from '../../../shared/contracts/settings';
import { getService } from '../utils/get-service';
import { parseInput } from '../utils/validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: Context) {
    ctx.body = { data: await getService(strapi, 'settings').getView() };
  },

  async update(ctx: Context) {
    const input = parseInput(settingsInputSchema, ctx.request.body);
    ctx.body = { data: await getService(strapi, 'settings').save(input) };
  },
});
