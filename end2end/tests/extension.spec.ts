import * as fs from 'fs';
import * as path from 'path';
import { test, expect, BrowserContext, Page } from '@playwright/test';
import { hydrated, login, logout, nextCode, startMfa } from './helpers';
import {
  BASE, PASSWORD, Loaded, clientWithEmployee, launchWithExtension, popupFor as openPopup, signIn,
} from './extension-helpers';

// Issue 5: the built extension (extension/dist, made by extension/build.sh) in the system Chromium. A client
// delegates the job on a page from the popup; the job is in the dashboard; the employee marks it completed from the
// extension, which captures the tab; the client sees the captured screenshot. A delegation made while the server
// cannot be reached is sent later, once.
test.describe.configure({ mode: 'serial' });

const FIXTURES = path.resolve(__dirname, '../../extension/fixtures');
const CLIENT = 'ext.client@example.com';
const EMPLOYEE = 'ext.worker@example.com';
const JOB_URL = 'https://boards.greenhouse.io/copperlinelogistics/jobs/5123456';
const OFFLINE_URL = 'https://jobs.lever.co/brightwaterhealth/5f0c2a9e-4b7d-4e21-9a3f-2d8c6e1b7a40';

let ext: Loaded;
let context: BrowserContext;
let extensionId: string;

test.beforeAll(async () => {
  ext = await launchWithExtension();
  ({ context, extensionId } = ext);
  // The job boards are served by the test: the project's own saved pages.
  await context.route('https://boards.greenhouse.io/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: fs.readFileSync(path.join(FIXTURES, 'greenhouse/classic-board.html')) }));
  await context.route('https://jobs.lever.co/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: fs.readFileSync(path.join(FIXTURES, 'lever/posting.html')) }));
});

test.afterAll(async () => {
  await context?.close();
});

const popupFor = (url: string): Promise<Page> => openPopup(ext, url);

test('set up: a client and an employee assigned to them', async () => {
  await clientWithEmployee(
    context,
    { email: CLIENT, first: 'Eve', last: 'Extension' },
    { email: EMPLOYEE, first: 'Ezra', last: 'Worker' },
  );
});

test('the options page points the extension at the server', async () => {
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extensionId}/options.html`);
  await options.getByLabel('Server address').fill('not an address');
  await options.getByRole('button', { name: 'Save' }).click();
  await expect(options.locator('#status')).toHaveText('Enter an address starting with http:// or https://.');
  await options.getByLabel('Server address').fill(BASE);
  await options.getByRole('button', { name: 'Save' }).click();
  await expect(options.locator('#status')).toHaveText('Saved.');
  await options.close();
});

test('a client delegates the job on the current page from the popup', async () => {
  const job = await context.newPage();
  await job.goto(JOB_URL);
  // The content script adds its button on job pages, in a closed shadow root.
  await expect(job.locator('#jobdelegate-host')).toBeVisible();

  const popup = await popupFor(JOB_URL);
  await popup.getByLabel('Password').fill('wrong password');
  await popup.getByLabel('Email').fill(CLIENT);
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await expect(popup.locator('#status')).toHaveText('Incorrect email or password.');
  await signIn(popup, CLIENT, PASSWORD);

  // The detected job, editable before sending.
  await expect(popup.getByLabel('Title')).toHaveValue('Senior Backend Engineer, Routing');
  await expect(popup.getByLabel('Company')).toHaveValue('Copperline Logistics');
  await expect(popup.getByLabel('Location')).toHaveValue('Denver, CO or Remote (US)');
  await expect(popup.getByLabel('Address')).toHaveValue(JOB_URL);
  await popup.getByLabel('Location').fill('Denver, CO');
  await popup.getByLabel('Priority').selectOption('high');
  await popup.getByLabel('Notes for your assistant').fill('Use the routing cover letter.');
  await popup.getByRole('button', { name: 'Delegate' }).click();
  await expect(popup.locator('#status')).toHaveText(
    'Delegated: Senior Backend Engineer, Routing at Copperline Logistics (Assigned)');
  await expect(popup.locator('#recent')).toContainText('Senior Backend Engineer, Routing at Copperline Logistics');
  // The same page again: the server says it has it.
  await popup.getByRole('button', { name: 'Delegate' }).click();
  await expect(popup.locator('#status')).toHaveText('You delegated this posting before.');
  await popup.close();

  // It is in the client's dashboard.
  const page = await context.newPage();
  await login(page, CLIENT, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await page.goto('/client/jobs');
  await hydrated(page);
  const row = page.getByTestId('job-row').filter({ hasText: 'Senior Backend Engineer, Routing at Copperline Logistics' });
  await expect(row.getByTestId('job-status')).toHaveText('Assigned');
  await row.getByRole('link').first().click();
  await expect(page.getByTestId('job-detail').getByTestId('job-location')).toHaveText('Denver, CO');
  await logout(page);
  await page.close();
});

test('the page button opens the extension to confirm, and page scripts cannot use it', async () => {
  const job = await context.newPage();
  const wasm: string[] = [];
  job.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) wasm.push(path);
  });
  await job.goto(JOB_URL);
  const host = job.locator('#jobdelegate-host');
  await expect(host).toBeVisible();
  // Every page gets the small content module; the popup's and form filling's one is not loaded on a page.
  // (Chromium may report the extension resource's fetch twice: the set of files is what counts.)
  expect([...new Set(wasm)]).toEqual(['/pkg/page_bg.wasm']);
  // A page script cannot reach the button (closed shadow root), and a click it dispatches does nothing.
  expect(await job.evaluate(() => document.getElementById('jobdelegate-host')?.shadowRoot ?? null)).toBeNull();
  const pages = context.pages().length;
  await job.evaluate(() => {
    document.getElementById('jobdelegate-host')?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  });
  await job.waitForTimeout(1000);
  expect(context.pages().length).toBe(pages);
  // A real click opens the extension's own window for this tab: what will be sent is shown there, to confirm.
  const box = await host.boundingBox();
  const opened = context.waitForEvent('page');
  await job.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
  const confirm = await opened;
  await expect(confirm).toHaveURL(/popup\.html\?tab=\d+/);
  await expect(confirm.getByLabel('Title')).toHaveValue('Senior Backend Engineer, Routing');
  await expect(confirm.getByRole('button', { name: 'Delegate' })).toBeVisible();
  await confirm.close();
  await job.close();
});

test('a delegation made while the server cannot be reached is sent later, once', async () => {
  const job = await context.newPage();
  await job.goto(OFFLINE_URL);
  await expect(job.locator('#jobdelegate-host')).toBeVisible();
  const popup = await popupFor(OFFLINE_URL);
  await expect(popup.locator('.who')).toContainText(CLIENT);
  await expect(popup.getByLabel('Title')).not.toHaveValue('');
  const title = await popup.getByLabel('Title').inputValue();
  // The server is unreachable for delegations.
  await popup.route('**/api/v1/jobs', (route) =>
    route.request().method() === 'POST' ? route.abort('connectionrefused') : route.continue());
  await popup.getByRole('button', { name: 'Delegate' }).click();
  await expect(popup.locator('#status')).toHaveText('The server cannot be reached: saved, and sent as soon as it can be.');
  await popup.getByRole('button', { name: 'Delegate' }).click();
  await expect(popup.locator('#status')).toHaveText('The server cannot be reached: saved, and sent as soon as it can be.');
  await popup.unroute('**/api/v1/jobs');
  // Opening the popup again sends what waited.
  await popup.reload();
  await expect(popup.locator('#recent')).toContainText(title);
  await expect(popup.locator('#outbox')).toHaveCount(0);
  const pending = await ext.worker.evaluate(async () => (await chrome.storage.local.get('outbox')).outbox ?? []);
  expect(pending).toEqual([]);
  // Exactly one job for that posting.
  const items = await popup.locator('#recent li').allTextContents();
  expect(items.filter((t) => t.includes(title))).toHaveLength(1);
  await popup.close();
  await job.close();
});

test('the employee marks the job completed from the extension; the client sees the captured screenshot', async () => {
  const popup = await popupFor(JOB_URL);
  await popup.getByRole('button', { name: 'Sign out' }).click();
  await signIn(popup, EMPLOYEE, PASSWORD);
  const item = popup.locator('#queue li.job').filter({ hasText: 'Senior Backend Engineer, Routing at Copperline Logistics' });
  await item.getByRole('button', { name: 'Start' }).click();
  await item.getByRole('button', { name: 'Mark as completed' }).click();
  await item.getByLabel('Outcome').selectOption('submitted');
  await item.getByLabel('Notes').fill('Submitted through the extension.');
  // The job's tab is the one in view when the capture is taken.
  const jobTab = context.pages().find((p) => p.url() === JOB_URL);
  await jobTab?.bringToFront();
  await item.getByRole('button', { name: 'Capture and complete' }).click();
  await expect(popup.locator('#status')).toHaveText('Senior Backend Engineer, Routing at Copperline Logistics: Completed');
  await expect(popup.locator('#queue li.job').filter({ hasText: 'Copperline' })).toHaveCount(0);
  await popup.close();

  const page = await context.newPage();
  await login(page, CLIENT, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await page.goto('/client/jobs');
  await hydrated(page);
  await page.getByTestId('job-row').filter({ hasText: 'Copperline Logistics' }).getByRole('link').first().click();
  const detail = page.getByTestId('job-detail');
  await expect(detail.getByTestId('job-status')).toHaveText('Completed');
  await expect(detail.getByTestId('completion')).toContainText('Submitted through the extension.');
  const proof = detail.getByTestId('proof');
  await expect(proof).toBeVisible();
  // The captured screenshot: the job page at the window's size.
  await expect.poll(() => proof.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(600);
  await page.screenshot({ path: 'screenshots/desktop-30-extension-proof.png', fullPage: true });
  await logout(page);
});

test('with two-step sign-in on, the popup asks for the code after the password', async () => {
  // The client turns it on in the dashboard's settings.
  const page = await context.newPage();
  await login(page, CLIENT, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await page.goto('/settings');
  await hydrated(page);
  const section = page.getByTestId('mfa-section');
  const secret = await startMfa(section);
  const used = { step: 0 };
  await section.getByLabel('Code from the app').fill(await nextCode(secret, used));
  await section.getByRole('button', { name: 'Turn on' }).click();
  await expect(section.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  await page.close();

  const popup = await popupFor(JOB_URL);
  // Whoever the popup was signed in as before signs out first.
  await expect(popup.locator('#sign-out, #sign-in').first()).toBeVisible();
  if (await popup.locator('#sign-out').count()) await popup.locator('#sign-out').click();
  await expect(popup.getByLabel('Email')).toBeVisible();
  await popup.getByLabel('Email').fill(CLIENT);
  await popup.getByLabel('Password').fill(PASSWORD);
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await expect(popup.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
  await popup.getByLabel('Code').fill('000000');
  await popup.getByRole('button', { name: 'Verify' }).click();
  await expect(popup.locator('#status')).toContainText('That code is not right.');
  await popup.getByLabel('Code').fill(await nextCode(secret, used));
  await popup.getByRole('button', { name: 'Verify' }).click();
  await expect(popup.locator('.who')).toContainText(CLIENT);
  await popup.close();
});
