/**
 * Boots the real test app (test/app) in this process, with the plugin built from the repo
 * root, on SQLite (a fresh file per suite), on PostgreSQL (a fresh schema per suite) when
 * DATABASE_CLIENT=postgres, or on MySQL/MariaDB (a fresh database per suite) when
 * DATABASE_CLIENT=mysql. Everything Strapi logs is captured so suites can assert that no
 * secret was ever logged.
 */
import './no-internet'; // any connection off loopback fails loudly
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createStrapi, compileStrapi, type Core } from '@strapi/strapi';
import pg from 'pg';
import mysql from 'mysql2/promise';

export const APP_DIR = path.resolve(__dirname, '..', 'app');

export interface TestStrapi {
  strapi: Core.Strapi;
  /** `http://127.0.0.1:<port>` when booted with `listen: true` */
  url?: string;
  /** everything written to stdout/stderr since boot (Strapi's logs) */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Collects what Strapi logs (through the test app's config/logger.js) and anything written
 * with console.*, without touching process.stdout, which node:test uses for its reports.
 */
function captureOutput() {
  const sink: string[] = [];
  (globalThis as Record<string, unknown>).__MAIL_SERVER_TEST_LOGS__ = sink;
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = methods.map((m) => console[m]);
  const verbose = process.env.TEST_VERBOSE === '1';
  methods.forEach((m, i) => {
    console[m] = (...args: unknown[]) => {
      sink.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      if (verbose) originals[i]!(...args);
    };
  });
  return {
    text: () => sink.join('\n'),
    restore: () => {
      methods.forEach((m, i) => (console[m] = originals[i]!));
      delete (globalThis as Record<string, unknown>).__MAIL_SERVER_TEST_LOGS__;
    },
  };
}

/** Port 0: the system picks a free port, so parallel runs and a running demo never collide. */
async function listen(strapi: Core.Strapi): Promise<string> {
  const server = strapi.server.httpServer;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** A connection to the MySQL/MariaDB server of DATABASE_CLIENT=mysql, outside any test database. */
function mysqlAdmin() {
  return mysql.createConnection({
    host: process.env.DATABASE_HOST ?? '127.0.0.1',
    port: Number(process.env.DATABASE_PORT ?? 3306),
    user: process.env.DATABASE_USERNAME ?? 'root',
    password: process.env.DATABASE_PASSWORD ?? '',
  });
}

async function prepareDatabase(): Promise<() => Promise<void>> {
  const id = `t${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const client = process.env.DATABASE_CLIENT ?? 'sqlite';
  if (client === 'mysql') {
    // A schema is a database on MySQL: test/app/config/database.js connects to DATABASE_SCHEMA.
    const admin = await mysqlAdmin();
    try {
      await admin.query(`CREATE DATABASE \`${id}\` CHARACTER SET utf8mb4`);
    } finally {
      await admin.end();
    }
    process.env.DATABASE_SCHEMA = id;
    return async () => {
      // A fresh connection: the suite may have run for minutes, past an idle connection's life.
      const drop = await mysqlAdmin();
      try {
        await drop.query(`DROP DATABASE IF EXISTS \`${id}\``);
      } finally {
        await drop.end();
      }
    };
  }
  if (client === 'postgres') {
    const admin = new pg.Client({
      host: process.env.DATABASE_HOST ?? '127.0.0.1',
      port: Number(process.env.DATABASE_PORT ?? 5432),
      user: process.env.DATABASE_USERNAME ?? 'postgres',
      database: process.env.DATABASE_NAME ?? 'test',
    });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${id}"`);
    process.env.DATABASE_SCHEMA = id;
    return async () => {
      await admin.query(`DROP SCHEMA "${id}" CASCADE`);
      await admin.end();
    };
  }
  const file = path.join('.tmp', `${id}.db`);
  process.env.DATABASE_FILENAME = file;
  return async () => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) {
      fs.rmSync(path.join(APP_DIR, file + suffix), { force: true });
    }
  };
}

export interface BootOptions {
  /** serve the built admin panel (test/app/build, see test/helpers/browser.ts) at /admin */
  serveAdminPanel?: boolean;
  /** listen on a free 127.0.0.1 port, for a browser; `url` is then set */
  listen?: boolean;
}

/** `env` is applied before the app's config is read (e.g. MAIL_SERVER_CA_FILE). */
export async function bootStrapi(
  env: Record<string, string> = {},
  options: BootOptions = {}
): Promise<TestStrapi> {
  const distEntry = path.resolve(APP_DIR, '../../dist/server/index.js');
  if (!fs.existsSync(distEntry)) {
    throw new Error('The plugin is not built: run `npm run build` first (npm test does it).');
  }
  Object.assign(process.env, { STRAPI_TELEMETRY_DISABLED: 'true', ...env });
  const dropDatabase = await prepareDatabase();
  const output = captureOutput();
  let strapi: Core.Strapi | undefined;
  let url: string | undefined;
  try {
    const ctx = await compileStrapi({ appDir: APP_DIR, ignoreDiagnostics: true });
    strapi = createStrapi({
      ...ctx,
      autoReload: false,
      serveAdminPanel: options.serveAdminPanel ?? false,
    });
    await strapi.load();
    // The OAuth2 check runs on the wall clock (every 10 minutes): in a suite whose settings
    // name Microsoft's real authority it would reach for the internet whenever a run crosses
    // the boundary. Suites call service('oauth-check').run() themselves.
    strapi.cron.remove('mail-server-oauth-check');
    await strapi.server.mount();
    if (options.listen) url = await listen(strapi);
  } catch (err) {
    // A half-loaded Strapi still holds its database pool: close it or the process never exits.
    await strapi?.destroy().catch(() => undefined);
    output.restore();
    await dropDatabase();
    throw err;
  }
  const booted = strapi;
  return {
    strapi: booted,
    url,
    logs: output.text,
    async stop() {
      try {
        await booted.destroy();
      } finally {
        output.restore();
        await dropDatabase();
        for (const key of Object.keys(env)) delete process.env[key];
      }
    },
  };
}
