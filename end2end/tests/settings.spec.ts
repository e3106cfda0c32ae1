import { test, expect, Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fitsWidth, hydrated, login, logout, shot } from './helpers';

test.describe.configure({ mode: 'serial' });

const outbox = path.join(process.env.DATA_DIR ?? 'data', 'outbox');

/** The link in the newest "Choose a new password" email to `to`, as a path on the site. */
function resetLink(to: string): string | undefined {
  return linkIn('Choose a new password', /\/reset-password\?token=[A-Za-z0-9_-]+/, to);
}

/** The link in the newest "Confirm your email address" email to `to`. */
function confirmLink(to: string): string | undefined {
  return linkIn('Confirm your email address', /\/verify-email\?token=[A-Za-z0-9_-]+/, to);
}

function linkIn(subject: string, pattern: RegExp, to: string): string | undefined {
  if (!fs.existsSync(outbox)) return undefined;
  const links = fs
    .readdirSync(outbox)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => ({ f, t: fs.statSync(path.join(outbox, f)).mtimeMs }))
    .sort((a, b) => a.t - b.t)
    .map(({ f }) => fs.readFileSync(path.join(outbox, f), 'utf8'))
    .filter((m) => m.includes(`Subject: ${subject}`) && m.includes(`<${to}>`))
    // Quoted-printable: undo soft line breaks and the escaped "=".
    .map((m) => m.replace(/=\r?\n/g, '').replace(/=3D/g, '='))
    .map((m) => m.match(pattern)?.[0])
    .filter((l): l is string => !!l);
  return links[links.length - 1];
}

async function signUp(page: Page, email: string, password: string) {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('First name').fill('Reese');
  await page.getByLabel('Last name').fill('Forgetful');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/client$/);
}

test('a new client confirms the email address from the emailed link', async ({ page }, info) => {
  const email = `reese.${info.project.name}@example.com`;
  await signUp(page, email, 'first password here');
  await expect(page.getByTestId('email-unconfirmed')).toContainText(email);
  let link: string | undefined;
  await expect.poll(() => (link = confirmLink(email)), { timeout: 15_000 }).toBeTruthy();
  await page.goto(link!);
  await hydrated(page);
  await expect(page.getByText(`Confirm that ${email} is yours?`)).toBeVisible();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('email-confirmed')).toContainText(`${email} is confirmed`);
  await fitsWidth(page);
  await shot(page, info, '29-email-confirmed');
  await page.goto('/client');
  await hydrated(page);
  await expect(page.getByTestId('email-unconfirmed')).toHaveCount(0);
  await logout(page);
});

test('a client who forgot the password chooses a new one from the emailed link', async ({ page }, info) => {
  const email = `reese.${info.project.name}@example.com`;
  await page.goto('/login');
  await hydrated(page);
  await page.getByTestId('forgot-link').click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByTestId('reset-sent')).toContainText('If an account uses this address');
  await fitsWidth(page);
  await shot(page, info, '30-forgot-password');

  let link: string | undefined;
  await expect.poll(() => (link = resetLink(email)), { timeout: 15_000 }).toBeTruthy();
  await page.goto(link!);
  await hydrated(page);
  await page.getByLabel('New password', { exact: true }).fill('second password here');
  await page.getByLabel('New password again').fill('not the same');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page.locator('p[data-field="confirm_password"]')).toContainText('differ');
  await page.getByLabel('New password again').fill('second password here');
  await fitsWidth(page);
  await shot(page, info, '31-reset-password');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=done$/);
  await expect(page.getByTestId('reset-done')).toBeVisible();

  // The link works once.
  await page.goto(link!);
  await expect(page.getByTestId('reset-link-dead')).toBeVisible();

  await login(page, email, 'first password here');
  await expect(page.getByTestId('form-error')).toHaveText('Incorrect email or password.');
  await login(page, email, 'second password here');
  await expect(page).toHaveURL(/\/client$/);
  await logout(page);
});

test('a client changes the password in settings and sees where they are signed in', async ({ page }, info) => {
  const email = `reese.${info.project.name}@example.com`;
  await login(page, email, 'second password here');
  await expect(page).toHaveURL(/\/client$/);
  await hydrated(page);
  await page.getByTestId('current-user').click();
  await expect(page).toHaveURL(/\/settings$/);
  await hydrated(page);
  await expect(page.getByTestId('device')).toHaveCount(1);
  await expect(page.getByTestId('this-device')).toBeVisible();

  const form = page.getByTestId('password-form');
  await form.getByLabel('Current password').fill('wrong password');
  await form.getByLabel('New password', { exact: true }).fill('third password here');
  await form.getByLabel('New password again').fill('third password here');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.locator('p[data-field="current_password"]')).toContainText('not your current password');
  await form.getByLabel('Current password').fill('second password here');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('password-changed')).toHaveText('Password changed.');

  const names = page.getByTestId('name-form');
  await names.getByLabel('First name').fill('Reesa');
  await names.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByTestId('name-saved')).toBeVisible();
  await expect(page.getByTestId('current-user')).toContainText('Reesa Forgetful');
  // Assignments are an assistant's news; this client wants proofs in the app only.
  const prefs = page.getByTestId('notifications-form');
  await prefs.getByLabel('Proof ready by email').uncheck();
  await prefs.getByRole('button', { name: 'Save notifications' }).click();
  await expect(page.getByTestId('notifications-saved')).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('notifications-form').getByLabel('Proof ready by email')).not.toBeChecked();
  await expect(page.getByTestId('notifications-form').getByLabel('Proof ready in the app')).toBeChecked();
  await expect(page.getByTestId('notifications-form').getByLabel('Proof ready by push')).toBeChecked();
  await fitsWidth(page);
  await shot(page, info, '32-settings');
  // Push in this browser: the permission is asked and the service worker registers from /sw.js (this headless
  // browser has no push service to subscribe with, so the page says what went wrong; delivery itself is tested
  // against a push service in server/tests/it/push.rs).
  await page.context().grantPermissions(['notifications']);
  await page.getByTestId('push-on').click();
  await expect(page.getByTestId('push-message')).not.toHaveText(/^(|Turning on…)$/, { timeout: 20_000 });
  const scope = await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.scope ?? null));
  expect(scope).toMatch(/\/$/);

  await logout(page);
  await login(page, email, 'third password here');
  await expect(page).toHaveURL(/\/client$/);
  await logout(page);
});
