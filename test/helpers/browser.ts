/**
 * Browser tests: the test app's admin panel built once (and again only when the plugin's admin
 * bundle changed), Debian's Chromium driven by playwright-core, admins that log in through
 * Strapi's real login page, and screenshots written to test-results/.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Core } from '@strapi/strapi';
import { APP_DIR } from './strapi';
import { ensureChromium } from '../setup/chromium';

const ROOT = path.resolve(APP_DIR, '..', '..');
const BUILD_DIR = path.join(APP_DIR, 'build');
const STAMP = path.join(BUILD_DIR, '.mail-server-admin.stamp');
export const ARTIFACTS_DIR = path.join(ROOT, 'test-results', 'e2e');

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

const newestMtime = (files: string[]) => Math.max(0, ...files.map((f) => fs.statSync(f).mtimeMs));

/**
 * What the admin build depends on: the plugin's built admin bundle (by content, since
 * `npm run build` rewrites it on every run), the app's config and Strapi's version.
 */
function buildInputsHash(): string {
  const hash = crypto.createHash('sha256');
  const inputs = [
    ...filesUnder(path.join(ROOT, 'dist', 'admin')),
    ...filesUnder(path.join(APP_DIR, 'config')),
  ];
  for (const file of inputs) hash.update(path.relative(ROOT, file)).update(fs.readFileSync(file));
  hash.update(
    JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@strapi/strapi/package.json'), 'utf8'))
      .version
  );
  return hash.digest('hex');
}

/**
 * Builds test/app/build (~40 s, ~2 GB) unless the stamp says it was built from the same
 * inputs. Returns how long the build took (0 when skipped).
 */
export async function ensureAdminBuild(): Promise<{ rebuilt: boolean; ms: number }> {
  const sources = [
    ...filesUnder(path.join(ROOT, 'admin', 'src')),
    ...filesUnder(path.join(ROOT, 'shared')),
  ];
  const bundle = filesUnder(path.join(ROOT, 'dist', 'admin'));
  if (bundle.length === 0 || newestMtime(sources) > newestMtime(bundle)) {
    throw new Error(
      "The plugin's admin bundle is missing or older than admin/src: run `npm run build` first."
    );
  }
  const wanted = buildInputsHash();
  if (fs.existsSync(path.join(BUILD_DIR, 'index.html')) && fs.existsSync(STAMP)) {
    if (fs.readFileSync(STAMP, 'utf8') === wanted) return { rebuilt: false, ms: 0 };
  }
  const started = Date.now();
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'test', 'e2e', 'build-admin.cjs'), APP_DIR],
      {
        cwd: APP_DIR,
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    );
    child.stdout.on('data', (chunk) => output.push(String(chunk)));
    child.stderr.on('data', (chunk) => output.push(String(chunk)));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0 || !fs.existsSync(path.join(BUILD_DIR, 'index.html'))) {
    throw new Error(`The admin build failed (exit ${code}):\n${output.join('').slice(-4000)}`);
  }
  fs.writeFileSync(STAMP, wanted);
  return { rebuilt: true, ms: Date.now() - started };
}

/**
 * Chromium headless (Debian's, provisioned by test/setup/chromium.ts). Playwright's launch()
 * gives every run a fresh temporary profile (user-data-dir) and removes it on close; each test
 * user gets its own context (cookies).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await ensureChromium(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface AdminCredentials {
  email: string;
  password: string;
}

let counter = 0;

/**
 * An admin user with a known password, for a real login through the login page: either a
 * built-in role (`strapi-super-admin`) or a new role holding exactly `actions`.
 */
export async function createAdminUser(
  strapi: Core.Strapi,
  role: string | { actions: string[] }
): Promise<AdminCredentials> {
  const suffix = `${process.pid}-${++counter}-${crypto.randomBytes(3).toString('hex')}`;
  let roleId: number;
  if (typeof role === 'string') {
    const found = await strapi.db.query('admin::role').findOne({ where: { code: role } });
    if (!found) throw new Error(`no admin role ${role}`);
    roleId = found.id;
  } else {
    const created = await strapi
      .service('admin::role')
      .create({ name: `e2e role ${suffix}`, description: 'e2e' });
    await strapi.service('admin::role').assignPermissions(
      created.id,
      role.actions.map((action) => ({ action, subject: null, properties: {}, conditions: [] }))
    );
    roleId = created.id;
  }
  const credentials = {
    email: `e2e-${suffix}@example.test`,
    password: `E2e-${crypto.randomBytes(8).toString('hex')}`,
  };
  await strapi.service('admin::user').create({
    ...credentials,
    firstname: 'E2E',
    lastname: 'Admin',
    isActive: true,
    registrationToken: null,
    roles: [roleId],
  });
  return credentials;
}

/** Logs in through Strapi's login page and waits for the admin home. */
export async function logIn(page: Page, baseUrl: string, admin: AdminCredentials) {
  await page.goto(`${baseUrl}/admin/auth/login`);
  await page.getByLabel(/^Email/).fill(admin.email);
  await page.getByLabel(/^Password/).fill(admin.password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/admin/auth'));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  // An accordion or a notification still sliding in would be photographed half-way.
  // (Spinners loop forever and are left alone.)
  await page.waitForFunction(() =>
    document
      .getAnimations()
      .every(
        (animation) =>
          animation.playState !== 'running' || animation.effect?.getTiming().iterations === Infinity
      )
  );
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
