import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import {
  acceptBodySchema,
  idParamSchema,
  inboundListQuerySchema,
} from '../../../shared/contracts/approval';
import { getService } from '../utils/get-service';
import { parseInput } from '../utils/validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: Context) {
    const query = parseInput(inboundListQuerySchema, ctx.query);
    ctx.body = { data: await getService(strapi, 'quarantine').list(query) };
  },

  async accept(ctx: Context) {
    const { id } = parseInput(idParamSchema, ctx.params);
    const { confirmCurrentVersion } = parseInput(acceptBodySchema, ctx.request.body ?? {});
    const admin = ctx.state.user as { id?: number; email?: string } | undefined;
    ctx.body = {
      data: await getService(strapi, 'quarantine').accept(id, {
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
      data: await getService(strapi, 'quarantine').discard(id, admin?.email ?? 'admin'),
    };
  },
});
