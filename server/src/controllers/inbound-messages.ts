import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { idParamSchema } from '../../../shared/contracts/approval';
import {
  acceptBodySchema,
  inboundListQuerySchema,
} from '../../../shared/contracts/inbound-message';
import { getService } from '../utils/get-service';
import { parseInput } from '../utils/validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: Context) {
    const query = parseInput(inboundListQuerySchema, ctx.query);
    // The reading admin's ability: replies about entries they may not read come without words.
    ctx.body = await getService(strapi, 'inbound-messages').list(query, {
      ability: ctx.state.userAbility,
    });
  },

  async accept(ctx: Context) {
    const { id } = parseInput(idParamSchema, ctx.params);
    const { confirmCurrentVersion } = parseInput(acceptBodySchema, ctx.request.body ?? {});
    const admin = ctx.state.user as { id?: number; email?: string } | undefined;
    ctx.body = {
      data: await getService(strapi, 'inbound-messages').accept(id, {
        id: admin?.id,
        email: admin?.email ?? 'admin',
        ability: ctx.state.userAbility,
        confirmCurrentVersion,
      }),
    };
  },

  async discard(ctx: Context) {
    const { id } = parseInput(idParamSchema, ctx.params);
    const admin = ctx.state.user as { email?: string } | undefined;
    ctx.body = {
      data: await getService(strapi, 'inbound-messages').discard(id, admin?.email ?? 'admin'),
    };
  },
});
