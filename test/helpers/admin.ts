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
  roleCode: string | { name: string; actions: string[] }
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
  const email = `admin${++counter}-${crypto.randomBytes(3).toString('hex')}@example.test`;
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
