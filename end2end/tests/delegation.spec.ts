import * as fs from 'fs';
import * as path from 'path';
import { test, expect, Locator, Page } from '@playwright/test';
import { ADMIN, fitsWidth, hydrated, login, logout, shot } from './helpers';

// The main flow of issue 3: sign-up → activation → employee → assignment → profile → resume → delegation →
// automatic assignment → the admin sees it in the activity log. Runs at desktop and phone size.
test.describe.configure({ mode: 'serial' });

const PASSWORD = 'long enough password';
const who = (p: string) => ({
  client: `ann.${p}@example.com`,
  employee: `worker.${p}@example.com`,
});

function pdf(): Buffer {
  return Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
}

/** Pick the option whose text contains `text`. */
async function choose(select: Locator, text: string) {
  const value = await select.locator('option', { hasText: text }).getAttribute('value');
  await select.selectOption(value ?? '');
}

async function section(page: Page, name: string, url: RegExp) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
  await expect(page).toHaveURL(url);
}

test('a client signs up', async ({ page }, info) => {
  const { client } = who(info.project.name);
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('First name').fill('Ann');
  await page.getByLabel('Last name').fill('Applicant');
  await page.getByLabel('Email').fill(client);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/client$/);
  await expect(page.getByTestId('awaiting-activation')).toBeVisible();
  await logout(page);
});

test('an admin activates the client, creates an employee and assigns them', async ({ page }, info) => {
  const { client, employee } = who(info.project.name);
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);

  await section(page, 'Clients', /\/admin\/clients$/);
  const row = page.locator(`li[data-email="${client}"]`);
  await row.getByRole('button', { name: 'Activate' }).click();
  await expect(row.getByTestId('client-status')).toHaveText('Active');

  await section(page, 'Users', /\/admin\/users/);
  const create = page.getByTestId('create-user');
  await create.getByLabel('Role').selectOption('employee');
  await create.getByLabel('First name').fill('Wanda');
  await create.getByLabel('Last name').fill(`Worker ${info.project.name}`);
  await create.getByLabel('Email').fill(employee);
  await create.getByLabel('Password').fill('employee password');
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(create.getByRole('status')).toContainText(`Created ${employee}`);

  await section(page, 'Assignments', /\/admin\/assignments$/);
  const assignments = page.getByTestId('assignments-section');
  await choose(assignments.locator('#assign-client'), client);
  await choose(assignments.locator('#assign-employee'), employee);
  await assignments.getByRole('button', { name: 'Assign', exact: true }).click();
  const card = page.locator(`[data-testid="employee-card"][data-email="${employee}"]`);
  await expect(card).toContainText('Ann Applicant');
  await fitsWidth(page);
  await shot(page, info, '10-admin-assignments');
  await logout(page);
});

test('the client fills the profile, uploads a resume and delegates a job that is assigned at once', async ({ page }, info) => {
  const { client } = who(info.project.name);
  await login(page, client, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);

  // Profile: structured forms, with a field-level error first.
  await section(page, 'Profile', /\/client\/profile$/);
  await hydrated(page);
  const profile = page.getByTestId('profile-form');
  await profile.getByLabel('Professional summary').fill('Backend engineer with ten years of experience.');
  await profile.getByTestId('add-experience').click();
  await profile.getByLabel('Job title').fill('Senior engineer');
  await profile.getByLabel('Company').first().fill('Acme');
  await profile.getByLabel('Skills, separated by commas').fill('Rust, SQL, PostgreSQL');
  await profile.getByLabel('Email').fill('not-an-email');
  await profile.getByTestId('save-profile').click();
  await expect(profile.getByText('Enter a valid email address.')).toBeVisible();
  await profile.getByLabel('Email').fill(client);
  await profile.getByTestId('save-profile').click();
  await expect(profile.getByTestId('profile-saved')).toBeVisible();
  await fitsWidth(page);
  await shot(page, info, '11-client-profile');

  // Resumes: a renamed file is refused; a real PDF uploads with progress.
  await section(page, 'Resumes', /\/client\/resumes$/);
  await hydrated(page);
  const upload = page.getByTestId('upload-form');
  await upload.getByLabel('Name').fill('Engineer');
  await upload.getByLabel('PDF file').setInputFiles({ name: 'photo.pdf', mimeType: 'application/pdf', buffer: Buffer.from('\x89PNG not a pdf') });
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(upload.getByText('This file is not a PDF')).toBeVisible();
  await upload.getByLabel('PDF file').setInputFiles({ name: 'ann-cv.pdf', mimeType: 'application/pdf', buffer: pdf() });
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(upload.getByTestId('upload-done')).toBeVisible();
  const resume = page.locator('[data-testid="resume-row"][data-name="Engineer"]');
  await expect(resume).toContainText('ann-cv.pdf');
  await fitsWidth(page);
  await shot(page, info, '12-client-resumes');

  // Delegate: bad address first, then a good one with tracking parameters that are dropped.
  await section(page, 'Jobs', /\/client\/jobs$/);
  await hydrated(page);
  const form = page.getByTestId('delegate-form');
  await form.getByLabel('Job posting address').fill('not a url');
  await form.getByTestId('delegate-submit').click();
  await expect(form.getByText('Enter a full web address')).toBeVisible();
  const url = `https://jobs.example.com/${info.project.name}/123?utm_source=newsletter`;
  await form.getByLabel('Job posting address').fill(url);
  await form.getByLabel('Company').fill('Globex');
  await form.getByLabel('Job title').fill('Platform engineer');
  await form.getByLabel('Resume').selectOption({ label: 'Engineer' });
  await form.getByLabel('Priority').selectOption('high');
  await form.getByTestId('delegate-submit').click();
  await expect(form.getByTestId('delegated')).toContainText(`Assigned to Wanda Worker ${info.project.name}`);

  // The same posting again: pointed at the earlier job.
  await form.getByTestId('delegate-submit').click();
  await expect(form.getByTestId('duplicate')).toContainText('already delegated');

  const row = page.getByTestId('job-row').filter({ hasText: 'Platform engineer at Globex' });
  await expect(row.getByTestId('job-status')).toHaveText('Assigned');
  await row.getByRole('link', { name: 'Platform engineer at Globex' }).click();
  const detail = page.getByTestId('job-detail');
  await expect(detail.getByTestId('job-employee')).toHaveText(`Wanda Worker ${info.project.name}`);
  await expect(detail.getByTestId('timeline')).toContainText('Delegated');
  await expect(detail.getByTestId('timeline')).toContainText('Assigned');
  await expect(detail).toContainText(`https://jobs.example.com/${info.project.name}/123`);
  await expect(detail).not.toContainText('utm_source');
  await fitsWidth(page);
  await shot(page, info, '13-client-job');
  await logout(page);
});

test('the employee sees new jobs live, completes one with a screenshot; the client sees the proof live', async ({ page, browser }, info) => {
  const { client, employee } = who(info.project.name);
  await login(page, employee, 'employee password');
  await expect(page).toHaveURL(/\/employee$/);
  await hydrated(page);
  await expect(page.getByTestId('open-count')).toHaveText('1');

  // The client, in another browser, delegates a second job: it appears in the open queue without a reload.
  const clientContext = await browser.newContext({
    baseURL: info.project.use.baseURL,
    viewport: info.project.use.viewport ?? undefined,
  });
  const cp = await clientContext.newPage();
  await login(cp, client, PASSWORD);
  await expect(cp).toHaveURL(/\/client$/);
  await cp.goto('/client/jobs');
  await hydrated(cp);
  const delegate = cp.getByTestId('delegate-form');
  await delegate.getByLabel('Job posting address').fill(`https://jobs.example.com/${info.project.name}/456`);
  await delegate.getByLabel('Company').fill('Initech');
  await delegate.getByLabel('Job title').fill('Data engineer');
  await delegate.getByTestId('delegate-submit').click();
  await expect(delegate.getByTestId('delegated')).toBeVisible();
  await expect(page.getByTestId('queue-row').filter({ hasText: 'Data engineer at Initech' })).toBeVisible({ timeout: 5_000 });
  await expect(page.getByTestId('open-count')).toHaveText('2');
  await expect(page.getByTestId('unread')).toHaveText('2');
  // Availability, toggled from the queue and back on (so that the next jobs still come here).
  const stats = page.getByTestId('stats');
  await expect(stats.getByTestId('my-availability')).toHaveText('Available');
  await stats.getByRole('button', { name: 'Pause new jobs' }).click();
  await expect(stats.getByTestId('my-availability')).toHaveText('Unavailable');
  await stats.getByRole('button', { name: "I'm available" }).click();
  await expect(stats.getByTestId('my-availability')).toHaveText('Available');

  const row = page.getByTestId('queue-row').filter({ hasText: 'Platform engineer at Globex' });
  await row.getByRole('link', { name: 'Platform engineer at Globex' }).click();
  const job = page.getByTestId('work-job');
  await expect(job.getByTestId('client-profile')).toContainText('Backend engineer with ten years of experience.');
  await expect(job.getByTestId('client-profile')).toContainText('Senior engineer');
  await expect(job.getByTestId('resume-link')).toContainText('Engineer');
  await fitsWidth(page);
  await job.getByTestId('start-job').click();
  await expect(job.getByTestId('job-status')).toHaveText('In progress');
  // Opened on the job itself (a reload of /employee?job=…): the job panel's chunk is loaded before the page hydrates,
  // so the panel the server drew is the one that works (the completion below goes through its upload code).
  await page.reload();
  await hydrated(page);
  await expect(page).toHaveURL(/\/employee\?job=[0-9a-f-]{36}$/);
  await expect(job.getByTestId('job-status')).toHaveText('In progress');

  // The client's open page follows along.
  await cp.getByTestId('job-row').filter({ hasText: 'Platform engineer at Globex' }).getByRole('link').click();
  await expect(cp.getByTestId('job-detail').getByTestId('job-status')).toHaveText('In progress');

  // A file that is not an image is refused; a real PNG completes the job.
  const form = job.getByTestId('complete-form');
  await form.getByLabel('Screenshot (PNG or JPEG)').setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
  await form.getByTestId('complete-job').click();
  await expect(form.getByText('Attach a PNG or JPEG screenshot.')).toBeVisible();
  const png = await page.screenshot({ clip: { x: 0, y: 0, width: 300, height: 200 } });
  await form.getByLabel('Screenshot (PNG or JPEG)').setInputFiles({ name: 'proof.png', mimeType: 'image/png', buffer: png });
  await form.getByLabel('Notes for the client').fill('Applied with the Engineer resume.');
  await form.getByTestId('complete-job').click();
  await expect(job.getByTestId('completion')).toContainText('Application submitted');
  await expect(page.getByTestId('today-count')).toHaveText('1');
  await shot(page, info, '16-employee-completed');
  await logout(page);

  // Without a reload: the client sees the proof and a notification.
  const detail = cp.getByTestId('job-detail');
  await expect(detail.getByTestId('job-status')).toHaveText('Completed', { timeout: 5_000 });
  await expect(detail.getByTestId('completion')).toContainText('Applied with the Engineer resume.');
  const proof = detail.getByTestId('proof');
  await expect(proof).toBeVisible();
  await expect.poll(() => proof.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await cp.getByTestId('bell').locator('summary').click();
  await expect(cp.getByTestId('notification').first()).toContainText('Application submitted: Platform engineer at Globex');
  await fitsWidth(cp);
  await shot(cp, info, '17-client-proof');
  await cp.getByTestId('read-all').click();
  await expect(cp.getByTestId('unread')).toHaveCount(0);

  // The same news went out by email: the server writes mail into DATA_DIR/outbox by default.
  const outbox = path.join(process.env.DATA_DIR ?? 'data', 'outbox');
  await expect
    .poll(() => {
      if (!fs.existsSync(outbox)) return false;
      return fs
        .readdirSync(outbox)
        .filter((f) => f.endsWith('.eml'))
        .map((f) => fs.readFileSync(path.join(outbox, f), 'utf8'))
        .some((m) => m.includes(`To: "Ann Applicant" <${client}>`) && m.includes('Subject: Application submitted: Platform engineer at Globex'));
    }, { timeout: 10_000 })
    .toBe(true);
  await clientContext.close();
});

test('the admin sees the delegation in the activity log and the jobs screen', async ({ page }, info) => {
  const { client } = who(info.project.name);
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto(`/admin/activity?user=${encodeURIComponent(client)}`);
  await hydrated(page);
  const rows = page.getByTestId('activity-row');
  await expect(rows.filter({ hasText: 'job.delegate' })).toHaveCount(2);
  await expect(rows.filter({ hasText: 'resume.upload' })).toHaveCount(1);
  await fitsWidth(page);
  await shot(page, info, '14-admin-activity');

  await section(page, 'Jobs', /\/admin\/jobs/);
  const adminRow = page.getByTestId('admin-job-row').filter({ hasText: 'Platform engineer at Globex' }).filter({ hasText: `Worker ${info.project.name}` });
  await expect(adminRow).toBeVisible();
  await fitsWidth(page);
  await shot(page, info, '15-admin-jobs');
  await adminRow.getByTestId('job-timeline-link').click();
  const detail = page.getByTestId('job-detail');
  await expect(detail.getByTestId('timeline')).toContainText('Submitted');
  await expect(detail.getByTestId('proof')).toBeVisible();
  await expect(detail.getByTestId('cancel-job')).toHaveCount(0);
  await logout(page);
});

test('the overviews show figures and charts, and fit a phone', async ({ page }, info) => {
  const { client, employee } = who(info.project.name);
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await hydrated(page);
  const overview = page.getByTestId('admin-analytics');
  await expect(overview.getByTestId('chart-delegated').locator('svg rect.bar').first()).toBeVisible();
  await expect(overview.locator('[data-testid="tile"][data-label="Submitted"] .tile-value')).not.toHaveText('0');
  await expect(overview.getByTestId('employee-table')).toContainText(`Worker ${info.project.name}`);
  // The numbers behind a chart, as a table.
  await overview.getByTestId('chart-status').locator('summary').click();
  await expect(overview.getByTestId('chart-status').locator('table')).toContainText('Completed');
  // Another period, from the picker.
  await overview.getByTestId('period').getByRole('link', { name: '7 days' }).click();
  await expect(page).toHaveURL(/from=\d{4}-\d{2}-\d{2}&to=/);
  await expect(overview.getByTestId('chart-delegated')).toBeVisible();
  await fitsWidth(page);
  await shot(page, info, '18-admin-overview');
  await logout(page);

  await login(page, client, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await hydrated(page);
  const mine = page.getByTestId('client-analytics');
  await expect(mine.locator('[data-testid="tile"][data-label="Delegated"] .tile-value')).toHaveText('2');
  await expect(mine.getByTestId('export-jobs')).toHaveAttribute('href', /\/files\/exports\/jobs\.csv\?from=/);
  await fitsWidth(page);
  await shot(page, info, '19-client-overview');
  await logout(page);

  // The employee's own figures: the one job they submitted today, the one still waiting on them.
  await login(page, employee, 'employee password');
  await expect(page).toHaveURL(/\/employee$/);
  await page.goto('/employee/stats');
  await hydrated(page);
  const work = page.getByTestId('employee-analytics');
  await expect(work.locator('[data-testid="tile"][data-label="Submitted"] .tile-value')).toHaveText('1');
  await expect(work.locator('[data-testid="tile"][data-label="Open now"] .tile-value')).toHaveText('1');
  const chart = work.getByTestId('chart-completed');
  await expect(chart.locator('svg rect.bar').first()).toBeVisible();
  await chart.locator('summary').click();
  const today = new Date().toISOString().slice(0, 10);
  await expect(chart.locator('tr').filter({ hasText: today }).locator('td.num')).toHaveText('1');
  await fitsWidth(page);
  await shot(page, info, '20-employee-stats');
  await logout(page);
});

test('every screen hydrates when opened directly (reload, bookmark)', async ({ page }, info) => {
  const { client, employee } = who(info.project.name);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  const visit = async (paths: string[]) => {
    for (const path of paths) {
      await page.goto(path);
      await hydrated(page);
    }
  };
  await login(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await visit(['/settings', '/admin/users', '/admin/clients', '/admin/assignments', '/admin/jobs', '/admin/activity', '/admin/queue']);
  await expect(page.getByTestId('no-failed')).toBeVisible();
  await logout(page);
  await login(page, client, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await visit(['/settings', '/client/resumes', '/client/profile', '/client/jobs']);
  // Interactive after a direct load: the delegate form answers.
  await page.getByTestId('delegate-form').getByTestId('delegate-submit').click();
  await expect(page.getByTestId('delegate-form').getByText('Enter the job posting')).toBeVisible();
  await logout(page);
  await login(page, employee, 'employee password');
  await expect(page).toHaveURL(/\/employee$/);
  await visit(['/settings', '/employee', '/employee/history', '/employee/stats']);
  await logout(page);
  await visit(['/forgot-password', '/reset-password?token=none', '/verify-email?token=none']);
  expect(errors).toEqual([]);
});
