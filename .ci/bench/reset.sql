-- Between measurements: take out what the previous one added, so that each starts from the same 100,000 jobs
-- (the 1-client case would otherwise see tens of thousands of extra open jobs on its three employees, and the
-- distribution query counts those on every delegation). Run only after the email queue has drained.
-- :'mark' is the time the load phase began; every row the loads wrote is newer.
DELETE FROM job_delegations WHERE job_url LIKE 'https://load.example/%';
DELETE FROM notifications WHERE created_at >= :'mark';
DELETE FROM activity_logs WHERE created_at >= :'mark' AND action_type IN ('job.delegate', 'job.assign');
-- Sent emails only (no key, or a person's window of notification emails): the scheduler's rows carry keys that
-- keep a slot from running twice.
DELETE FROM apalis.jobs WHERE status = 'Done' AND (idempotency_key IS NULL OR idempotency_key LIKE 'email:%')
    AND run_at >= :'mark';
TRUNCATE load_bench.jobs;
VACUUM ANALYZE job_delegations;
VACUUM ANALYZE notifications;
VACUUM ANALYZE activity_logs;
VACUUM ANALYZE apalis.jobs;
VACUUM ANALYZE load_bench.jobs;
VACUUM ANALYZE employees;
