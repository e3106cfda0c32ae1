import { expect, test } from '@playwright/test';
import { ADMIN, fitsWidth, hydrated, login, logout, shot } from './helpers';

// Issue 19: an admin makes an API key (shown once) that works on the REST API and stops when revoked, and registers
// a webhook (private addresses refused unless allowed; the secret shown once), on desktop and on a phone.
test('an admin makes an API key and a webhook under Integrations', async ({ page }, info) => {
  const name = `CRM ${info.project.name} ${Date.now()}`;
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole('link', { name: 'Integrations' }).click();
  await expect(page).toHaveURL(/\/admin\/integrations$/);
  await hydrated(page);

  const keys = page.getByTestId('api-keys');
  await keys.getByLabel('Name', { exact: true }).fill(name);
  await keys.getByLabel('Access').selectOption('read_write');
  await keys.getByRole('button', { name: 'Make a key' }).click();
  const shown = keys.getByTestId('new-api-key');
  await expect(shown).toHaveText(/^jdk_[A-Za-z0-9_-]{43}$/);
  const key = (await shown.textContent())!.trim();
  const row = keys.locator(`[data-testid="api-key-row"][data-name="${name}"]`);
  await expect(row.getByTestId('api-key-status')).toHaveText('Live');
  const me = await page.request.get('/api/v1/me', { headers: { authorization: `Bearer ${key}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(ADMIN.email);
  await expect(row).toContainText('last used');

  const hooks = page.getByTestId('webhooks');
  await hooks.getByLabel('Address', { exact: true }).fill('http://127.0.0.1:9/hook');
  await hooks.getByLabel('job.completed').check();
  await hooks.getByRole('button', { name: 'Add the webhook' }).click();
  await expect(hooks.getByText('private network')).toBeVisible();
  await hooks.getByLabel(/Allow private addresses/).check();
  await hooks.getByRole('button', { name: 'Add the webhook' }).click();
  await expect(hooks.getByTestId('new-webhook-secret')).toHaveText(/^whsec_/);
  const hook = hooks.getByTestId('webhook-row').first();
  await expect(hook.getByTestId('webhook-status')).toHaveText('On');
  await hook.getByTestId('webhook-deliveries-toggle').click();
  await expect(hook.getByTestId('no-deliveries')).toBeVisible();
  await fitsWidth(page);
  await shot(page, info, '40-admin-integrations');

  // Revoked, the key stops working at once.
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row.getByTestId('api-key-status')).toHaveText(/^Revoked/);
  const after = await page.request.get('/api/v1/me', { headers: { authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);
  // Turned off, the webhook says so.
  await hook.getByRole('button', { name: 'Turn off' }).click();
  await expect(hook.getByTestId('webhook-status')).toHaveText('Off');
  await logout(page);
});
