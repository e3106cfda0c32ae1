import * as fs from 'fs';
import * as path from 'path';
import { expect, chromium, BrowserContext, Page, Worker } from '@playwright/test';
import { ADMIN, hydrated, login, logout } from './helpers';

// The built extension (extension/dist, made by extension/build.sh) in the system Chromium, and what its tests share.

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const EXTENSION = path.resolve(__dirname, '../../extension/dist');
export const PASSWORD = 'long enough password';

export interface Loaded {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
}

/** A persistent Chromium context with the extension loaded. */
export async function launchWithExtension(): Promise<Loaded> {
  if (!fs.existsSync(path.join(EXTENSION, 'manifest.json'))) throw new Error('build the extension first: bash extension/build.sh');
  const context = await chromium.launchPersistentContext('', {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    baseURL: BASE,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--disable-extensions-except=${EXTENSION}`,
      `--load-extension=${EXTENSION}`,
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  return { context, worker, extensionId: worker.url().split('/')[2] };
}

/** The id of the tab showing `url`. */
export async function tabId(ext: Loaded, url: string): Promise<number> {
  return ext.worker.evaluate(async (u) => {
    const tabs = await chrome.tabs.query({});
    const tab = tabs.find((t) => t.url === u);
    if (!tab?.id) throw new Error(`no tab at ${u}`);
    return tab.id;
  }, url);
}

/** The popup, opened as a page for the tab showing `url`. */
export async function popupFor(ext: Loaded, url: string): Promise<Page> {
  const popup = await ext.context.newPage();
  await popup.goto(`chrome-extension://${ext.extensionId}/popup.html?tab=${await tabId(ext, url)}`);
  return popup;
}

export async function signIn(popup: Page, email: string, password: string) {
  await popup.getByLabel('Email').fill(email);
  await popup.getByLabel('Password').fill(password);
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await expect(popup.locator('.who')).toContainText(email);
}

/** The options page points the extension at the server under test. */
export async function pointAtServer(ext: Loaded) {
  const options = await ext.context.newPage();
  await options.goto(`chrome-extension://${ext.extensionId}/options.html`);
  await options.getByLabel('Server address').fill(BASE);
  await options.getByRole('button', { name: 'Save' }).click();
  await expect(options.locator('#status')).toHaveText('Saved.');
  await options.close();
}

/**
 * A client who signs up (`client.first client.last`), activated by the admin, and an employee the admin creates and
 * assigns to them: all through the dashboard.
 */
export async function clientWithEmployee(
  context: BrowserContext,
  client: { email: string; first: string; last: string },
  employee: { email: string; first: string; last: string },
) {
  const page = await context.newPage();
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('First name').fill(client.first);
  await page.getByLabel('Last name').fill(client.last);
  await page.getByLabel('Email').fill(client.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/client$/);
  await logout(page);

  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto('/admin/clients');
  await hydrated(page);
  const row = page.locator(`li[data-email="${client.email}"]`);
  await row.getByRole('button', { name: 'Activate' }).click();
  await expect(row.getByTestId('client-status')).toHaveText('Active');
  await page.goto('/admin/users');
  await hydrated(page);
  const create = page.getByTestId('create-user');
  await create.getByLabel('Role').selectOption('employee');
  await create.getByLabel('First name').fill(employee.first);
  await create.getByLabel('Last name').fill(employee.last);
  await create.getByLabel('Email').fill(employee.email);
  await create.getByLabel('Password').fill(PASSWORD);
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(create.getByRole('status')).toContainText(`Created ${employee.email}`);
  await page.goto('/admin/assignments');
  await hydrated(page);
  const assignments = page.getByTestId('assignments-section');
  for (const [select, text] of [['#assign-client', client.email], ['#assign-employee', employee.email]]) {
    const value = await assignments.locator(select).locator('option', { hasText: text }).getAttribute('value');
    await assignments.locator(select).selectOption(value ?? '');
  }
  await assignments.getByRole('button', { name: 'Assign', exact: true }).click();
  await expect(page.locator(`[data-testid="employee-card"][data-email="${employee.email}"]`))
    .toContainText(`${client.first} ${client.last}`);
  await logout(page);
  await page.close();
}
