/**
 * Admin users and roles for API tests, created through Strapi's own services, and logged in
 * through the real `POST /admin/login` route.
 */
import crypto from 'node:crypto';
import request from 'supertest';
import type { Core } from '@strapi/strapi';

export interface AdminSession {
  email: string;
  token: string;
}

let counter = 0;

export async function createAdmin(
  strapi: Core.Strapi,
  roleCode: string | { name: string; actions: string[] },
  /** an approver's mailbox address: approvers must be admin users allowed to publish */
  opts: { email?: string } = {}
): Promise<AdminSession> {
  let roleId: number;
  if (typeof roleCode === 'string') {
    const role = await strapi.db.query('admin::role').findOne({ where: { code: roleCode } });
    if (!role) throw new Error(`no admin role ${roleCode}`);
    roleId = role.id;
  } else {
    const role = await strapi.service('admin::role').create({
      name: `${roleCode.name} ${++counter}`,
      description: 'test role',
    });
    await strapi.service('admin::role').assignPermissions(
      role.id,
      roleCode.actions.map((action) => ({ action, subject: null, properties: {}, conditions: [] }))
    );
    roleId = role.id;
  }
  const email =
    opts.email ?? `admin${++counter}-${crypto.randomBytes(3).toString('hex')}@example.test`;
  const password = `Pw-${crypto.randomBytes(9).toString('base64url')}1a`;
  await strapi.service('admin::user').create({
    email,
    firstname: 'Test',
    lastname: 'Admin',
    password,
    isActive: true,
    registrationToken: null,
    roles: [roleId],
  });
  const res = await request(strapi.server.httpServer)
    .post('/admin/login')
    .send({ email, password })
    .expect(200);
  return { email, token: res.body.data.token as string };
}

export const SUPER_ADMIN = 'strapi-super-admin';
export const EDITOR = 'strapi-editor';

/**
 * Makes `email` an active admin user with the Editor role (who may publish), if it is not one
 * yet: the plugin only accepts approvers whose role could do the action themselves.
 */
export async function ensureApprover(strapi: Core.Strapi, email: string): Promise<void> {
  const existing = await strapi.db.query('admin::user').findOne({ where: { email } });
  if (existing) return;
  const role = await strapi.db.query('admin::role').findOne({ where: { code: EDITOR } });
  await strapi.service('admin::user').create({
    email,
    firstname: 'Approver',
    lastname: 'Test',
    password: `Pw-${crypto.randomBytes(9).toString('base64url')}1a`,
    isActive: true,
    registrationToken: null,
    roles: [role.id],
  });
}
