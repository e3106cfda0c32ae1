import * as fs from 'fs';
import * as path from 'path';
import { test, expect, BrowserContext } from '@playwright/test';
import { hydrated, login, logout } from './helpers';
import { PASSWORD, Loaded, clientWithEmployee, launchWithExtension, pointAtServer, popupFor, signIn } from './extension-helpers';

// Issue 16: in the built extension, a client opens a real saved job page (../shared/fixtures/jobpages, saved by
// other people), served at its original address, and delegates it. Another address of the same posting shows
// "already delegated" before anything is sent. The employee completes it from the extension; the client sees the
// captured address and the screenshot's SHA-256.
test.describe.configure({ mode: 'serial' });

const PAGES = path.join(process.env.SHARED_DIR ?? path.resolve(__dirname, '../../../shared'), 'fixtures/jobpages');
const CLIENT = 'real.client@example.com';
const EMPLOYEE = 'real.worker@example.com';
const expected = JSON.parse(fs.readFileSync(path.join(PAGES, 'expected.json'), 'utf8'))['greenhouse-1.html'];
const JOB_URL: string = expected.url_hint;
const VARIANT = `${JOB_URL}?gh_src=8f1a2b3c4d&utm_source=newsletter`;

let ext: Loaded;
let context: BrowserContext;

test.beforeAll(async () => {
  ext = await launchWithExtension();
  context = ext.context;
  // The saved page is served at its original address, whatever the query.
  await context.route('https://job-boards.greenhouse.io/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: fs.readFileSync(path.join(PAGES, 'greenhouse-1.html')) }));
  await pointAtServer(ext);
});

test.afterAll(async () => {
  await context?.close();
});

test('set up: a client and an employee assigned to them', async () => {
  await clientWithEmployee(
    context,
    { email: CLIENT, first: 'Rhea', last: 'Realpage' },
    { email: EMPLOYEE, first: 'Remy', last: 'Worker' },
  );
});

test('a client delegates a real saved page; another address of the posting shows "already delegated"', async () => {
  const job = await context.newPage();
  await job.goto(JOB_URL);
  await expect(job.locator('#jobdelegate-host')).toBeVisible();
  const popup = await popupFor(ext, JOB_URL);
  await signIn(popup, CLIENT, PASSWORD);
  await expect(popup.getByLabel('Title')).toHaveValue(expected.title);
  await expect(popup.getByLabel('Company')).toHaveValue(expected.company);
  await expect(popup.getByLabel('Address')).toHaveValue(expected.url);
  await expect(popup.locator('#already')).toHaveCount(0);
  await popup.getByRole('button', { name: 'Delegate' }).click();
  await expect(popup.locator('#status')).toContainText(`Delegated: ${expected.title} at ${expected.company}`);
  await popup.close();
  await job.close();

  // The same posting under another address (tracking parameters of the board and a newsletter).
  const variant = await context.newPage();
  await variant.goto(VARIANT);
  await expect(variant.locator('#jobdelegate-host')).toBeVisible();
  const again = await popupFor(ext, VARIANT);
  const already = again.locator('#already');
  await expect(already).toContainText('Already delegated on');
  await expect(again.getByRole('button', { name: 'Delegate' })).toBeDisabled();
  const link = already.getByRole('link', { name: 'Open it' });
  await expect(link).toHaveAttribute('href', /\/client\/jobs\?job=[0-9a-f-]{36}$/);
  const href = (await link.getAttribute('href')) ?? '';
  await again.close();
  await variant.close();

  // The link leads to the earlier job.
  const page = await context.newPage();
  await login(page, CLIENT, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await page.goto(href);
  await hydrated(page);
  await expect(page.getByTestId('job-detail')).toContainText(expected.title);
  await logout(page);
  await page.close();
});

test('the employee completes it from the extension; the client sees the captured address and hash', async () => {
  const job = await context.newPage();
  await job.goto(JOB_URL);
  const popup = await popupFor(ext, JOB_URL);
  await popup.getByRole('button', { name: 'Sign out' }).click();
  await signIn(popup, EMPLOYEE, PASSWORD);
  const item = popup.locator('#queue li.job').filter({ hasText: expected.title });
  await item.getByRole('button', { name: 'Start' }).click();
  await item.getByRole('button', { name: 'Mark as completed' }).click();
  await item.getByLabel('Outcome').selectOption('submitted');
  await job.bringToFront();
  await item.getByRole('button', { name: 'Capture and complete' }).click();
  await expect(popup.locator('#status')).toHaveText(`${expected.title} at ${expected.company}: Completed`);
  await popup.close();
  await job.close();

  const page = await context.newPage();
  await login(page, CLIENT, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await page.goto('/client/jobs');
  await hydrated(page);
  await page.getByTestId('job-row').filter({ hasText: expected.title }).getByRole('link').first().click();
  const detail = page.getByTestId('job-detail');
  await expect(detail.getByTestId('job-status')).toHaveText('Completed');
  await expect(detail.getByTestId('proof-url')).toHaveText(JOB_URL);
  await expect(detail.getByTestId('proof-title')).not.toBeEmpty();
  await expect(detail.getByTestId('proof-captured-at')).not.toBeEmpty();
  await expect(detail.getByTestId('proof-sha256')).toHaveText(/^[0-9a-f]{64}$/);
  await expect(detail.getByTestId('proof-site-note')).toHaveCount(0);
  // The hash is the served image's.
  const digest = await page.evaluate(async () => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="proof"]');
    const bytes = await (await fetch(img!.src)).arrayBuffer();
    const hash = await crypto.subtle.digest('SHA-256', bytes);
    return Array.from(new Uint8Array(hash)).map((b) => b.toString(16).padStart(2, '0')).join('');
  });
  await expect(detail.getByTestId('proof-sha256')).toHaveText(digest);
  await page.screenshot({ path: 'screenshots/desktop-31-proof-details.png', fullPage: true });
  await logout(page);
  await page.close();
});
