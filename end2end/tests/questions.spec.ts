import { test, expect } from '@playwright/test';
import { fitsWidth, hydrated, login, logout, shot } from './helpers';
import { PASSWORD, clientWithEmployee } from './extension-helpers';

// Issue 17, questions the client must answer: the employee working a job asks the client what the application form
// wants ("Are you willing to relocate?"); the client answers on the job's page (at phone size too), keeping one
// answer in the profile; the job is back in the employee's queue. Another client cannot see the job.
test.describe.configure({ mode: 'serial' });

const who = (p: string) => ({
  client: { email: `quinn.${p}@example.com`, first: 'Quinn', last: `Question ${p}` },
  employee: { email: `asker.${p}@example.com`, first: 'Avery', last: `Asker ${p}` },
  other: { email: `olive.${p}@example.com`, first: 'Olive', last: `Other ${p}` },
  helper: { email: `helper.${p}@example.com`, first: 'Hal', last: `Helper ${p}` },
});
const RELOCATE = 'Are you willing to relocate?';
const NOTICE = 'What is your notice period?';
const TITLE = 'Pastry chef at Boulangerie';

test('set up: a client with an employee, and a job started by the employee', async ({ page }, info) => {
  const { client, employee, other, helper } = who(info.project.name);
  await clientWithEmployee(page.context(), client, employee);
  await clientWithEmployee(page.context(), other, helper);

  await login(page, client.email, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await page.goto('/client/jobs');
  await hydrated(page);
  const form = page.getByTestId('delegate-form');
  await form.getByLabel('Job posting address').fill(`https://jobs.example.com/questions/${info.project.name}`);
  await form.getByLabel('Company').fill('Boulangerie');
  await form.getByLabel('Job title').fill('Pastry chef');
  await form.getByTestId('delegate-submit').click();
  await expect(form.getByTestId('delegated')).toBeVisible();
  await logout(page);

  await login(page, employee.email, PASSWORD);
  await expect(page).toHaveURL(/\/employee$/);
  await hydrated(page);
  await page.getByTestId('queue-row').filter({ hasText: TITLE }).getByRole('link', { name: TITLE }).click();
  const job = page.getByTestId('work-job');
  await job.getByTestId('start-job').click();
  await expect(job.getByTestId('job-status')).toHaveText('In progress');
  await logout(page);
});

test('the employee asks the client from the job view', async ({ page }, info) => {
  const { employee } = who(info.project.name);
  await login(page, employee.email, PASSWORD);
  await expect(page).toHaveURL(/\/employee$/);
  await hydrated(page);
  await page.getByTestId('queue-row').filter({ hasText: TITLE }).getByRole('link', { name: TITLE }).click();
  const job = page.getByTestId('work-job');
  const ask = job.getByTestId('ask-client');
  await ask.locator('summary').click();
  // Nothing written: a field error, nothing sent.
  await ask.getByTestId('ask-send').click();
  await expect(ask.getByTestId('ask-errors')).toContainText('Ask at least one question.');
  await ask.getByTestId('ask-questions').fill(`${RELOCATE}\n${NOTICE}`);
  await ask.getByTestId('ask-send').click();
  await expect(job.getByTestId('job-status')).toHaveText('Waiting for the client');
  await expect(job.getByTestId('question')).toHaveCount(2);
  await expect(job.getByTestId('question-open')).toHaveCount(2);
  // The job has left the queue meanwhile.
  await expect(page.getByTestId('queue-row').filter({ hasText: TITLE })).toHaveCount(0);
  await fitsWidth(page);
  await shot(page, info, '40-employee-asked');
  await logout(page);
});

test('another client cannot see the job', async ({ page }, info) => {
  const { client, other } = who(info.project.name);
  await login(page, client.email, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await page.goto('/client/jobs');
  await hydrated(page);
  await page.getByTestId('job-row').filter({ hasText: TITLE }).getByRole('link').click();
  await expect(page.getByTestId('job-detail')).toBeVisible();
  const url = page.url();
  await logout(page);

  await login(page, other.email, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  await page.goto(url);
  await hydrated(page);
  await expect(page.getByTestId('job-detail')).toHaveCount(0);
  await expect(page.getByRole('alert').filter({ hasText: 'You do not have permission to do that.' })).toBeVisible();
  await logout(page);
});

test('the client answers on the job page, keeping one answer for next time', async ({ page }, info) => {
  const { client } = who(info.project.name);
  await login(page, client.email, PASSWORD);
  await expect(page).toHaveURL(/\/client$/);
  // The bell tells of the questions.
  await page.getByTestId('bell').locator('summary').click();
  await expect(page.getByTestId('notification').first()).toContainText(`Questions for you: ${TITLE}`);
  await page.goto('/client/jobs?status=needs_answer');
  await hydrated(page);
  const row = page.getByTestId('job-row').filter({ hasText: TITLE });
  await expect(row.getByTestId('job-status')).toHaveText('Needs your answer');
  await row.getByRole('link').click();
  const detail = page.getByTestId('job-detail');
  const questions = detail.getByTestId('job-questions');
  await expect(questions.getByTestId('question')).toHaveCount(2);
  await fitsWidth(page);
  await shot(page, info, '41-client-questions');

  const first = questions.getByTestId('question').filter({ hasText: RELOCATE });
  await first.getByTestId('send-answer').click();
  // An empty answer is refused by the browser's own check or by the server: still two open.
  await expect(questions.getByTestId('answer-form')).toHaveCount(2);
  await first.getByTestId('answer-text').fill('Yes, within Europe.');
  await first.getByTestId('answer-save').check();
  await first.getByTestId('send-answer').click();
  await expect(first.getByTestId('question-answer')).toHaveText('Yes, within Europe.');
  await expect(detail.getByTestId('job-status')).toHaveText('Needs your answer');

  const second = questions.getByTestId('question').filter({ hasText: NOTICE });
  await second.getByTestId('answer-text').fill('Two weeks');
  await second.getByTestId('send-answer').click();
  await expect(second.getByTestId('question-answer')).toHaveText('Two weeks');
  await expect(detail.getByTestId('job-status')).toHaveText('Assigned');
  await fitsWidth(page);
  await shot(page, info, '42-client-answered');

  // The kept answer is on the profile page.
  await page.goto('/client/profile');
  await hydrated(page);
  const saved = page.getByTestId('saved-answer');
  await expect(saved).toHaveCount(1);
  await expect(saved.getByLabel('Question')).toHaveValue(RELOCATE);
  await logout(page);
});

test('the job is back in the employee\'s queue, with the answers', async ({ page }, info) => {
  const { employee } = who(info.project.name);
  await login(page, employee.email, PASSWORD);
  await expect(page).toHaveURL(/\/employee$/);
  await hydrated(page);
  const row = page.getByTestId('queue-row').filter({ hasText: TITLE });
  await expect(row.getByTestId('job-status')).toHaveText('Assigned');
  await row.getByRole('link', { name: TITLE }).click();
  const job = page.getByTestId('work-job');
  await expect(job.getByTestId('question-answer')).toHaveText(['Yes, within Europe.', 'Two weeks']);
  await expect(job.getByTestId('start-job')).toBeVisible();
  await page.getByTestId('bell').locator('summary').click();
  await expect(page.getByTestId('notification').first()).toContainText(`Answered: ${TITLE}`);
  await fitsWidth(page);
  await logout(page);
});
