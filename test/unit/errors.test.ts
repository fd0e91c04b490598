/**
 * The plugin's error model (issue #12, point 1): every code has one status, PluginError is a
 * Strapi ApplicationError carrying it, a field error is a 400 ValidationError on its path, and
 * errorInfo reads MailError and PluginError alike.
 */
import { describe, expect, test } from '@jest/globals';
import { errors } from '@strapi/utils';
import { PLUGIN_ERROR_CODES, PluginError, errorInfo } from '../../server/src/errors';
import { MAIL_ERROR_CODES, MailError } from '../../server/src/mail/errors';

describe('PluginError', () => {
  test.each(Object.entries(PLUGIN_ERROR_CODES))('%s answers %j', (code, { status }) => {
    const err = new PluginError(code as keyof typeof PLUGIN_ERROR_CODES, 'message', 'fix');
    expect(err).toBeInstanceOf(errors.ApplicationError);
    expect(err.status).toBe(status);
    expect(err.details).toEqual({ code, fix: 'fix' });
  });

  test('a field error is a 400 ValidationError on that path, whatever the code', () => {
    const err = new PluginError('ENOTFOUND', 'The entry does not exist.', undefined, [
      'documentId',
    ]);
    expect([err.status, err.name]).toEqual([400, 'ValidationError']);
    expect((err.details as { errors: Array<{ path: string[] }> }).errors[0]!.path).toEqual([
      'documentId',
    ]);
  });

  test('the names say the status: NotFoundError, ConflictError, ForbiddenError, RateLimitError', () => {
    expect(new PluginError('ENOTFOUND', 'x').name).toBe('NotFoundError');
    expect(new PluginError('ENOTPENDING', 'x').name).toBe('ConflictError');
    expect(new PluginError('EFORBIDDEN', 'x').name).toBe('ForbiddenError');
    expect(new PluginError('ERATELIMIT', 'x').name).toBe('RateLimitError');
    expect(new PluginError('ECONFIG', 'x').name).toBe('ApplicationError');
  });

  test('plugin codes and mail codes never mean two things', () => {
    const shared = Object.keys(PLUGIN_ERROR_CODES).filter((c) => c in MAIL_ERROR_CODES);
    expect(shared).toEqual(['ECONFIG']); // the same meaning on both sides: bad settings
  });
});

describe('errorInfo', () => {
  test('reads a MailError with its diagnosis and fix', () => {
    const err = new MailError('EAUTH', '535 no', {
      diagnosis: 'Wrong password.',
      fix: 'Retype it.',
    });
    expect(errorInfo(err)).toMatchObject({
      code: 'EAUTH',
      diagnosis: 'Wrong password.',
      fix: 'Retype it.',
    });
  });
  test('reads a PluginError', () => {
    expect(errorInfo(new PluginError('ESECRETDEST', 'Withheld.', 'Type it.'))).toEqual({
      code: 'ESECRETDEST',
      message: 'Withheld.',
      diagnosis: 'Withheld.',
      fix: 'Type it.',
    });
  });
  test('anything else is EUNKNOWN with its message', () => {
    expect(errorInfo(new Error('boom'))).toEqual({
      code: 'EUNKNOWN',
      message: 'boom',
      diagnosis: 'boom',
    });
  });
});
