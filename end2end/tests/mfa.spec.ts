import { test, expect, Page } from '@playwright/test';
import { ADMIN, fitsWidth, hydrated, login, logout, nextCode, shot, startMfa } from './helpers';

// Two-step sign-in: an admin's role requires it (MFA_REQUIRED_ROLES=admin in the test command), so their first
// sign-in takes them to set it up. The codes are computed here from the secret the page shows, as an authenticator
// app computes them (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps).

test.describe.configure({ mode: 'serial' });

const PASSWORD = 'admin password here';
let secret = '';
const used = { step: 0 };

async function createAdmin(page: Page, email: string) {
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto('/admin/users');
  await hydrated(page);
  const create = page.getByTestId('create-user');
  await create.getByLabel('Role').selectOption('admin');
  await create.getByLabel('First name').fill('Ada');
  await create.getByLabel('Last name').fill('Admin');
  await create.getByLabel('Email').fill(email);
  await create.getByLabel('Password').fill(PASSWORD);
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(create.getByRole('status')).toContainText(`Created ${email}`);
  await logout(page);
}

test('an admin signing in for the first time is made to set up two-step sign-in', async ({ page }, info) => {
  const email = `ada.${info.project.name}@example.com`;
  await createAdmin(page, email);

  await login(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/setup-mfa$/);
  await hydrated(page);
  await expect(page.getByTestId('mfa-required')).toContainText('Admin accounts must use two-step sign-in');
  // Nothing else opens until it is set up.
  await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/setup-mfa$/);
  await hydrated(page);

  secret = await startMfa(page.getByTestId('setup-mfa'));
  await expect(page.getByTestId('mfa-qr').locator('svg')).toBeVisible();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await fitsWidth(page);
  await shot(page, info, '33-mfa-setup');
  // A wrong code first: a field error, nothing turned on.
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.locator('p[data-field="code"]')).toContainText('not right');
  await page.getByLabel('Code from the app').fill(await nextCode(secret, used));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  await shot(page, info, '34-mfa-recovery-codes');
  await page.getByTestId('mfa-done').click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId('admin-dashboard')).toBeVisible();
  await hydrated(page);
  await logout(page);
});

test('the admin signs in again with a code from the app', async ({ page }, info) => {
  const email = `ada.${info.project.name}@example.com`;
  await login(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/login\/code$/);
  await hydrated(page);
  await page.getByLabel('Code').fill('123456');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.locator('p[data-field="code"]')).toContainText('not right');
  await page.getByLabel('Code').fill(await nextCode(secret, used));
  await fitsWidth(page);
  await shot(page, info, '35-mfa-code');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId('current-user')).toContainText('Ada Admin');
  await page.goto('/settings');
  await hydrated(page);
  await expect(page.getByTestId('mfa-section').getByTestId('mfa-state')).toHaveText('On');
  await expect(page.getByTestId('mfa-required-note')).toBeVisible();
  await logout(page);

  // The super admin can reset it (an admin could not): the badge goes.
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto('/admin/users');
  await hydrated(page);
  const row = page.locator(`li[data-email="${email}"]`);
  await expect(row.getByTestId('user-mfa')).toBeVisible();
  await row.getByTestId('reset-mfa').click();
  await expect(page.getByTestId('mfa-reset-done')).toBeVisible();
  await expect(row.getByTestId('user-mfa')).toHaveCount(0);
  await logout(page);
});
