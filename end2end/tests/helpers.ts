import { expect, Locator, Page, TestInfo } from '@playwright/test';
import { createHmac } from 'node:crypto';

export const ADMIN = {
  email: 'root@example.com',
  password: 'correct horse battery',
  first: 'Rita',
  last: 'Root',
};

/** Wait until the wasm has hydrated the page (the app marks <body>). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 30_000 });
}

/** Keep a full-page screenshot under end2end/screenshots, named by project (desktop/phone). */
export async function shot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: `screenshots/${info.project.name}-${name}.png`, fullPage: true });
}

/** Nothing sticks out sideways: the page is usable without horizontal scrolling. */
export async function fitsWidth(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

export async function login(page: Page, email: string, password: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function logout(page: Page) {
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
}

// Two-step sign-in codes, computed as an authenticator app does (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps).

function base32(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${c}`);
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totp(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const off = h[19] & 0x0f;
  const n = (((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3]) % 1_000_000;
  return n.toString().padStart(6, '0');
}

/** A code of a step after the last one used (a code is good once); the server allows one step of drift. */
export async function nextCode(secret: string, used: { step: number }): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 1000);
    const current = Math.floor(now / 30);
    const step = Math.max(used.step + 1, current);
    if (step <= current + 1) {
      used.step = step;
      return totp(secret, step);
    }
    await new Promise((r) => setTimeout(r, (30 - (now % 30)) * 1000));
  }
}

/** Start setting up two-step sign-in in `scope` and read the secret the page shows. The button is clicked again if
 * the first click came before the page's code had loaded (the form then went to the server and the page reloaded). */
export async function startMfa(scope: Locator): Promise<string> {
  await expect(async () => {
    await scope.getByTestId('mfa-start').click({ timeout: 5_000 });
    await expect(scope.getByTestId('mfa-secret')).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 40_000 });
  return ((await scope.getByTestId('mfa-secret').textContent()) ?? '').replace(/\s/g, '');
}
