import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { whileWatched } from './utils/interactive';

const EMAIL_CONTROLLER = 'plugin::email.email';

type Controller = Record<string, unknown> & {
  test?: (ctx: unknown) => Promise<unknown>;
};

/**
 * Content types are declared in index.ts. The one thing done before bootstrap: Strapi's own
 * "Send test email" (Settings → Email) is watched — sent now or reported, never queued — and
 * its failure shows our diagnosis and code, where Strapi would show nodemailer's message.
 * Routes are compiled before bootstrap, hence here.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const registry = strapi.get('controllers') as {
    get(uid: string): Controller | undefined;
    extend(uid: string, fn: (c: Controller) => Controller): unknown;
  };
  const original = registry.get(EMAIL_CONTROLLER);
  if (typeof original?.test !== 'function') return; // no email plugin, or another shape
  const test = original.test;
  registry.extend(EMAIL_CONTROLLER, (controller) => ({
    ...controller,
    test: (ctx: unknown) =>
      whileWatched(
        () => test.call(controller, ctx),
        (err, failure) => {
          const e = failure as { code?: string; diagnosis?: string; fix?: string } | undefined;
          if (!e?.code || !e.diagnosis) throw err;
          throw new errors.ApplicationError(`${e.diagnosis}${e.fix ? ` ${e.fix}` : ''}`, {
            code: e.code,
          });
        }
      ),
  }));
};
