import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { oauthSectionSchema } from '../../../shared/contracts/oauth';
import { getService } from '../utils/get-service';
import { parseInput } from '../utils/validate';
import { z } from 'zod';

const sectionParams = z.object({ section: oauthSectionSchema });
/** Only the callback reads the cookie, so it is not sent with any other request. */
const COOKIE_PATH = '/mail-server/oauth';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async status(ctx: Context) {
    ctx.body = { data: await getService(strapi, 'oauth-check').status(ctx.request.origin) };
  },

  async connect(ctx: Context) {
    const { section } = parseInput(sectionParams, ctx.params);
    const user = ctx.state.user as { id: number | string };
    const session = ctx.state.session as { id?: string } | undefined;
    const started = await getService(strapi, 'oauth').start(section, {
      userId: user.id,
      sessionId: session?.id ?? null,
      origin: ctx.request.origin,
    });
    ctx.cookies.set(started.cookie.name, started.cookie.value, {
      httpOnly: true,
      // Lax: sent on the top-level navigation back from Microsoft, not on cross-site requests.
      sameSite: 'lax',
      secure: ctx.request.secure,
      path: COOKIE_PATH,
      maxAge: started.cookie.maxAge,
      signed: false,
      overwrite: true,
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { data: { authorizeUrl: started.authorizeUrl, redirectUri: started.redirectUri } };
  },

  /** Microsoft sends the browser here (no admin token on a navigation: the state authenticates). */
  async callback(ctx: Context) {
    const outcome = await getService(strapi, 'oauth').complete(ctx.query, (name) =>
      ctx.cookies.get(name, { signed: false })
    );
    // Strapi's request logger prints `ctx.url` after the response: without the query, so the
    // authorization code and the state never reach the logs.
    ctx.url = ctx.path;
    if (outcome.clearCookie) {
      ctx.cookies.set(outcome.clearCookie, null, { path: COOKIE_PATH, signed: false });
    }
    ctx.set('Cache-Control', 'no-store');
    // The callback URL carries the code: it must not travel on as a Referer.
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.redirect(outcome.location);
  },

  async disconnect(ctx: Context) {
    const { section } = parseInput(sectionParams, ctx.params);
    ctx.body = { data: await getService(strapi, 'oauth').disconnect(section) };
  },
});
