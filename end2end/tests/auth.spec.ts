import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, fitsWidth, hydrated, login, logout, shot } from './helpers';

test.describe.configure({ mode: 'serial' });

test('first-run setup creates the super admin, then the page is gone', async ({ page }, info) => {
  await page.goto('/');
  if (info.project.name !== 'desktop') {
    // The desktop run already set the site up.
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/setup');
    await expect(page).toHaveURL(/\/login$/);
    return;
  }
  await expect(page).toHaveURL(/\/setup$/);
  await hydrated(page);
  await shot(page, info, '01-setup');

  // Bad input: field-level messages, nothing created.
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create super admin' }).click();
  await expect(page.locator('p[data-field="email"]')).toContainText('valid email');
  await expect(page.locator('p[data-field="password"]')).toContainText('at least 8');
  await expect(page.locator('p[data-field="first_name"]')).toContainText('first name');
  await shot(page, info, '02-setup-errors');

  // The setup token the server printed at start and saved in DATA_DIR (a stranger does not have it).
  const token = readFileSync(join(process.env.DATA_DIR ?? 'data', 'setup-token'), 'utf8').trim();
  await page.getByLabel('Setup token').fill(token);
  await page.getByLabel('First name').fill(ADMIN.first);
  await page.getByLabel('Last name').fill(ADMIN.last);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create super admin' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId('current-user')).toContainText(`${ADMIN.first} ${ADMIN.last}`);
  await expect(page.getByTestId('current-user')).toContainText('Super admin');
  await expect(page.getByTestId('admin-dashboard')).toBeVisible();
  await shot(page, info, '03-admin-dashboard');

  // The setup page is gone for good.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/admin$/);
  await hydrated(page);
  await logout(page);
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/login$/);
});

test('every load of a page tells the browser to fetch its screen\'s wasm chunks at once', async ({ request }) => {
  // Without these hints the browser asks for the screen's chunks only once the main module has arrived (0.7 s later
  // on an emulated phone); leptos wrote them for about half the loads (app/src/ui/preload.rs).
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const res = await request.get('/login', { headers: { 'Accept-Encoding': 'identity' } });
    expect(res.status()).toBe(200);
    const html = await res.text();
    const head = html.slice(0, html.indexOf('</head>'));
    const chunks = [...head.matchAll(/<link[^>]*rel="preload"[^>]*href="([^"]+\.wasm)"|<link[^>]*href="([^"]+\.wasm)"[^>]*rel="preload"/g)]
      .map((m) => m[1] ?? m[2])
      .filter((href) => !/\/jobdelegate\.[^/]*wasm$/.test(href));
    expect(chunks.some((href) => href.includes('/split_auth_screen_')), `load ${i + 1}: ${chunks.join(' ')}`).toBe(true);
    expect(head, `load ${i + 1}`).toMatch(/<link[^>]*__wasm_split\.[^"]*\.js/);
    seen.add(chunks.sort().join(' '));
  }
  expect(seen.size, 'the same hints on every load').toBe(1);
});

test('login, navigation between sections, logout', async ({ page }, info) => {
  await login(page, ADMIN.email, 'wrong password');
  await expect(page.getByTestId('form-error')).toHaveText('Incorrect email or password.');
  await expect(page).toHaveURL(/\/login$/);
  await shot(page, info, '04-login-error');

  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await fitsWidth(page);

  // Real navigation between the dashboard's sections.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Activity' }).click();
  await expect(page).toHaveURL(/\/admin\/activity$/);
  await shot(page, info, '05-admin-activity');

  await logout(page);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login$/);
});

test('a client signs up and sees that the account awaits activation', async ({ page }, info) => {
  const email = `jo.${info.project.name}@example.com`;
  await page.goto('/signup');
  await hydrated(page);

  await page.getByLabel('First name').fill('Jo');
  await page.getByLabel('Last name').fill('Seeker');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill('long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('p[data-field="email"]')).toContainText('already exists');

  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/client$/);
  await expect(page.getByTestId('awaiting-activation')).toBeVisible();
  await expect(page.getByTestId('current-user')).toContainText('Jo Seeker');
  await expect(page.getByTestId('current-user')).toContainText('Client');
  await fitsWidth(page);
  await shot(page, info, '06-client-awaiting-activation');

  // A client cannot open the admin area.
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/client$/);
  await hydrated(page);

  await logout(page);
  await login(page, email, 'long enough password');
  await expect(page).toHaveURL(/\/client$/);
  await expect(page.getByTestId('awaiting-activation')).toBeVisible();
  await logout(page);
});

test('an admin activates the new client from the clients screen', async ({ page }, info) => {
  const email = `jo.${info.project.name}@example.com`;
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Clients' }).click();
  await expect(page).toHaveURL(/\/admin\/clients$/);

  const row = page.locator(`li[data-email="${email}"]`);
  await expect(row.getByTestId('client-status')).toHaveText('Awaiting activation');
  await row.getByLabel('Payment status').selectOption('active');
  await row.getByLabel('Subscription notes').fill('Monthly plan');
  await row.getByRole('button', { name: 'Activate' }).click();
  await expect(row.getByTestId('client-status')).toHaveText('Active');
  await expect(row).toContainText(`by ${ADMIN.email}`);
  await fitsWidth(page);
  await shot(page, info, '07-admin-clients');
  await logout(page);

  await login(page, email, 'long enough password');
  await expect(page).toHaveURL(/\/client$/);
  await expect(page.getByTestId('client-dashboard')).toBeVisible();
  await expect(page.getByTestId('awaiting-activation')).toHaveCount(0);
  await logout(page);
});

test('the super admin creates an employee, deactivates and reactivates them', async ({ page }, info) => {
  const email = `emp.${info.project.name}@example.com`;
  await login(page, ADMIN.email, ADMIN.password);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);

  const create = page.getByTestId('create-user');
  await create.getByLabel('Role').selectOption('employee');
  await create.getByLabel('First name').fill('Eve');
  await create.getByLabel('Last name').fill('Worker');
  await create.getByLabel('Email').fill(email);
  await create.getByLabel('Password').fill('short');
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(create.locator('p[data-field="password"]')).toContainText('at least 8');
  await create.getByLabel('Password').fill('employee password');
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(create.getByRole('status')).toContainText(`Created ${email}`);

  // Find them with the search, then deactivate and reactivate.
  await page.getByLabel('Search').fill(`emp.${info.project.name}`);
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/search=emp/);
  const row = page.locator(`li[data-email="${email}"]`);
  await expect(row.getByTestId('user-status')).toHaveText('Active');
  await row.getByRole('button', { name: 'Deactivate' }).click();
  await expect(row.getByTestId('user-status')).toHaveText('Deactivated');
  await fitsWidth(page);
  await shot(page, info, '08-admin-users');
  await row.getByRole('button', { name: 'Reactivate' }).click();
  await expect(row.getByTestId('user-status')).toHaveText('Active');
  await logout(page);

  await login(page, email, 'employee password');
  await expect(page).toHaveURL(/\/employee$/);
  await expect(page.getByTestId('employee-dashboard')).toBeVisible();
  await logout(page);
});
