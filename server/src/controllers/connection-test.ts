import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import {
  imapTestRequestSchema,
  smtpTestRequestSchema,
} from '../../../shared/contracts/connection-test';
import { getService } from '../utils/get-service';
import { parseInput } from '../utils/validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async smtp(ctx: Context) {
    const request = parseInput(smtpTestRequestSchema, ctx.request.body);
    ctx.body = { data: await getService(strapi, 'connection-test').smtp(request) };
  },

  async imap(ctx: Context) {
    const request = parseInput(imapTestRequestSchema, ctx.request.body);
    ctx.body = { data: await getService(strapi, 'connection-test').imap(request) };
  },
});
