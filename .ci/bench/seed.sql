-- The load test's data set, applied by `.ci/bench/load` after `server seed-demo --clients 22 --employees 1
-- --jobs-per-client 0` has made a super admin and 22 clients through the product's own services (21 of them
-- activated, with a resume profile and two resumes each; the last one still waits for activation and is not used).
--
-- seed-demo cannot make the 63 employees we need (its names repeat after 12, so their emails would clash), nor
-- 100,000 jobs in reasonable time, so this file adds them directly:
--   * 63 employees sharing the super admin's password hash (so the same password signs every one of them in);
--   * each of the 21 activated clients served by exactly 3 of them (the demo's own assignments are ended);
--   * 100,000 jobs over the 21 clients with a believable history: most of them finished, the newest 6% still
--     open (pending or in progress) with the client's employees, so distribution and the queue see real loads;
--   * a completion row for each finished job.
-- It also leaves `load_clients` / `load_employees`, small lookup tables the script reads tokens and ids from.
\set ON_ERROR_STOP on
BEGIN;

-- k 0..19: the 20-client set; k 20: the separate client of the 1-client case.
CREATE TABLE load_clients AS
SELECT (row_number() OVER (ORDER BY c.created_at, c.id) - 1)::int AS k,
       c.id AS client_id, c.user_id, u.email,
       (SELECT rt.id FROM resume_types rt JOIN resume_profiles rp ON rp.id = rt.resume_profile_id
         WHERE rp.client_id = c.id ORDER BY rt.uploaded_at, rt.id LIMIT 1) AS resume_id
FROM clients c JOIN users u ON u.id = c.user_id
WHERE c.is_activated;

-- The demo's single employee keeps its account but serves nobody any more.
UPDATE client_employee_assignments SET is_active = FALSE, unassigned_at = now() WHERE is_active;

-- 63 employees: e = 0..62, serving client k = e / 3.
CREATE TABLE load_employees (e int PRIMARY KEY, k int NOT NULL, user_id uuid NOT NULL, employee_id uuid NOT NULL,
                             email text NOT NULL);
INSERT INTO load_employees (e, k, user_id, employee_id, email)
SELECT e, e / 3, gen_random_uuid(), gen_random_uuid(), format('load.employee%s@load.test', lpad(e::text, 2, '0'))
FROM generate_series(0, 62) e;

INSERT INTO users (id, email, password_hash, first_name, last_name, role, is_active, created_at, updated_at)
SELECT le.user_id, le.email, admin.password_hash, 'Load', format('Employee %s', le.e), 'employee', TRUE, now(), now()
FROM load_employees le
CROSS JOIN (SELECT password_hash FROM users WHERE role = 'super_admin' ORDER BY created_at LIMIT 1) admin;

INSERT INTO user_profiles (id, user_id, bio, phone, location, metadata, created_at, updated_at)
SELECT gen_random_uuid(), user_id, NULL, NULL, NULL, '{}', now(), now() FROM load_employees;

INSERT INTO employees (id, user_id, created_by, performance_metrics, is_available, last_active, last_assigned_at,
                       created_at)
SELECT employee_id, user_id, NULL, '{}', TRUE, NULL, NULL, now() FROM load_employees;

INSERT INTO client_employee_assignments (id, client_id, employee_id, assigned_by, assigned_at, is_active,
                                         unassigned_at)
SELECT gen_random_uuid(), lc.client_id, le.employee_id,
       (SELECT id FROM users WHERE role = 'super_admin' ORDER BY created_at LIMIT 1), now(), TRUE, NULL
FROM load_employees le JOIN load_clients lc ON lc.k = le.k;

-- 100,000 jobs, g = 1..100000 in time order, one every 150 s (about 174 days of history). Job g belongs to client
-- g % 21 and went to one of that client's three employees. Ids look like the product's UUIDv7 (time first), so the
-- primary key index grows at its right edge as it does in production.
INSERT INTO job_delegations (id, client_id, assigned_employee_id, resume_type_id, job_url, company_name, job_title,
                             status, priority, deadline, delegated_at, assigned_at, started_at, completed_at, notes,
                             metadata, updated_at, deadline_reminded_at, unassigned_alerted_at)
SELECT (lpad(to_hex((extract(epoch FROM j.t) * 1000)::bigint), 12, '0') || '7' || substr(j.h, 1, 3) || '8'
        || substr(j.h, 4, 15))::uuid,
       lc.client_id, le.employee_id, lc.resume_id,
       format('https://careers.%s.example/jobs/%s', lower(replace(j.company, ' ', '')), j.g),
       j.company, j.title, j.status, j.priority,
       CASE WHEN j.status = 'expired' THEN j.t + interval '1 day'
            WHEN j.g % 5 = 0 THEN j.t + interval '14 days' END,
       j.t,
       j.t + interval '5 minutes',
       CASE WHEN j.status IN ('in_progress', 'completed', 'failed') THEN j.t + interval '1 hour' END,
       CASE WHEN j.status IN ('completed', 'failed') THEN j.t + interval '3 hours' END,
       CASE WHEN j.g % 3 = 0 THEN 'Mention the relocation in the cover letter.' ELSE '' END,
       json_build_object('location', j.place),
       CASE WHEN j.status IN ('completed', 'failed') THEN j.t + interval '3 hours'
            WHEN j.status = 'expired' THEN j.t + interval '1 day'
            ELSE j.t + interval '1 hour' END,
       NULL, NULL
FROM (
    SELECT g,
           now() - (100000 - g) * interval '150 seconds' - interval '10 minutes' AS t,
           md5(g::text) AS h,
           (ARRAY['Northwind Analytics', 'Blue Harbor Logistics', 'Cedar Health', 'Lumen Robotics',
                  'Orchid Financial', 'Pine Partners', 'Quarry Games', 'Riverstone Energy', 'Saffron Foods',
                  'Tidewater Media', 'Umbra Security', 'Vantage Retail'])[1 + g % 12] AS company,
           (ARRAY['Data Analyst', 'Operations Coordinator', 'Product Manager', 'Embedded Software Engineer',
                  'Risk Analyst', 'Marketing Specialist', 'Backend Developer', 'Project Engineer',
                  'Supply Chain Planner', 'Content Strategist', 'Security Engineer', 'UX Designer'])[1 + g % 11]
               AS title,
           (ARRAY['Berlin, Germany', 'Remote', 'London, United Kingdom', 'Lisbon, Portugal'])[1 + g % 4] AS place,
           (ARRAY['low', 'normal', 'normal', 'normal', 'high', 'urgent'])[1 + g % 6] AS priority,
           CASE WHEN g > 94000 THEN CASE WHEN g % 3 = 0 THEN 'in_progress' ELSE 'pending' END
                WHEN g % 100 < 75 THEN 'completed'
                WHEN g % 100 < 85 THEN 'failed'
                WHEN g % 100 < 93 THEN 'cancelled'
                ELSE 'expired' END AS status
    FROM generate_series(1, 100000) g
) j
JOIN load_clients lc ON lc.k = j.g % 21
JOIN load_employees le ON le.k = lc.k AND le.e = lc.k * 3 + (j.g / 21) % 3;

INSERT INTO job_completions (id, job_delegation_id, completed_by, proof_screenshot_path, proof_size,
                             completion_notes, completion_status, failure_reason, completed_at)
SELECT gen_random_uuid(), id, assigned_employee_id, NULL, NULL,
       CASE WHEN status = 'completed' THEN 'Submitted through the company''s portal.' ELSE '' END,
       CASE WHEN status = 'completed' THEN 'submitted' ELSE 'failed' END,
       CASE WHEN status = 'failed' THEN 'The posting was closed before we could apply.' END,
       completed_at
FROM job_delegations WHERE status IN ('completed', 'failed');

UPDATE employees e SET last_assigned_at = x.last
FROM (SELECT assigned_employee_id, max(assigned_at) AS last FROM job_delegations GROUP BY 1) x
WHERE x.assigned_employee_id = e.id;

COMMIT;

ANALYZE;
