import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import {
  analyzeRequestSchema,
  approvalListQuerySchema,
  idParamSchema,
} from '../../../shared/contracts/approval';
import { getService } from '../utils/get-service';
import { parseInput } from '../utils/validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async create(ctx: Context) {
    const user = ctx.state.user as { id?: number; email?: string } | undefined;
    // The admin's own RBAC ability: they may only ask about entries they could edit.
    const row = await getService(strapi, 'approvals').request(
      ctx.request.body as never,
      { id: user?.id, email: user?.email },
      { ability: ctx.state.userAbility }
    );
    ctx.body = { data: row };
  },

  async find(ctx: Context) {
    const query = parseInput(approvalListQuerySchema, ctx.query);
    ctx.body = {
      data: await getService(strapi, 'approvals').list(query, { ability: ctx.state.userAbility }),
    };
  },

  async cancel(ctx: Context) {
    const { id } = parseInput(idParamSchema, ctx.params);
    ctx.body = { data: await getService(strapi, 'approvals').cancel(id) };
  },

  /** The decision simulator: what the job would do with this message, changing nothing. */
  async analyze(ctx: Context) {
    const { raw } = parseInput(analyzeRequestSchema, ctx.request.body);
    ctx.body = {
      data: await getService(strapi, 'approval-simulator').simulate(Buffer.from(raw, 'utf8')),
    };
  },

  async runInbox(ctx: Context) {
    ctx.body = { data: await getService(strapi, 'inbox').run() };
  },
});
