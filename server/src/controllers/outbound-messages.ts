import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { outboundMessageQuerySchema } from '../../../shared/contracts/outbound-message';
import { getService } from '../utils/get-service';
import { parseInput } from '../utils/validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: Context) {
    const query = parseInput(outboundMessageQuerySchema, ctx.query);
    ctx.body = await getService(strapi, 'outbound-messages').find(query);
  },
});
