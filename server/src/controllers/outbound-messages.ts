import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { idParamSchema } from '../../../shared/contracts/approval';
import { outboundMessageQuerySchema } from '../../../shared/contracts/outbound-message';
import { getService } from '../utils/get-service';
import { parseInput } from '../utils/validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: Context) {
    const query = parseInput(outboundMessageQuerySchema, ctx.query);
    ctx.body = await getService(strapi, 'outbound-messages').find(query);
  },

  async health(ctx: Context) {
    ctx.body = await getService(strapi, 'outbound-messages').health();
  },

  async resend(ctx: Context) {
    const { id } = parseInput(idParamSchema, ctx.params);
    ctx.body = await getService(strapi, 'outbound-messages').resend(id);
  },

  async cancel(ctx: Context) {
    const { id } = parseInput(idParamSchema, ctx.params);
    ctx.body = await getService(strapi, 'outbound-messages').cancel(id);
  },
});
