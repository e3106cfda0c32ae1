-- pgbench: the SQL of one POST /api/v1/jobs, statement for statement, in the order PostgreSQL logged it for a
-- real delegation (`load` prints that log before the loads; compare when the product changes). Run with
-- `pgbench -M prepared` (sqlx prepares every statement too, and binds the values as parameters as pgbench then
-- does with :variables). `load` passes -D kmin=.. -D kmax=.. (the clients to rotate over) and also makes a copy
-- holding only the client lookup and the BEGIN..COMMIT part.
--
-- Differences from the application, all of about the same cost:
--   * one extra statement first: the chosen client's ids from load_bench.clients (pgbench has no arrays);
--   * values the application computes and binds (new ids, times, the URL, JSON) are computed in SQL here:
--     load_bench.uuid7() for its UUIDv7 ids, now() for its clock, a random URL;
--   * values it carries from one statement to the next come back through \gset (pgbench reads the answer as the
--     application does); the employees serving the client come back through \aset, which keeps the last row where
--     the application takes the first (the same query and rows; another of the three employees gets the job);
--   * the new job's id is made with the client's ids in the first statement (the application makes it in memory);
--   * the employee's email for this minute (one per person and window, however many jobs it tells of: the first
--     delegation of the window queues it, the others find it there) goes into load_bench.jobs, a twin of
--     apalis.jobs (see pgbench-setup.sql), and the after-commit NOTIFY to a channel nobody listens to, so that the
--     running server does no work for pgbench;
--   * the statements all run on one connection; the application takes a pooled connection for each statement
--     outside the transaction.
\set k random(:kmin, :kmax)
\set r1 random(1, 1000000000)
\set r2 random(1, 1000000000)
SELECT client_id AS cid, user_id AS uid, resume_id AS rid, family_id AS fam, people, load_bench.uuid7() AS jid FROM load_bench.clients WHERE k = :k \gset

-- Authentication (bearer token: the user, provided the sign-in is still live) and the caller's client row with
-- the client's name.
SELECT "users"."id", "users"."email", "users"."password_hash", "users"."first_name", "users"."last_name", "users"."role", "users"."is_active", "users"."created_at", "users"."updated_at" FROM "users" WHERE "users"."id" = :uid AND "users"."id" IN (SELECT "user_id" FROM "api_tokens" WHERE "api_tokens"."family_id" = :fam AND "api_tokens"."user_id" = :uid AND "api_tokens"."revoked_at" IS NULL) LIMIT 1;
SELECT "clients"."id" AS "A_id", "clients"."user_id" AS "A_user_id", "clients"."is_activated" AS "A_is_activated", "clients"."activated_at" AS "A_activated_at", "clients"."activated_by" AS "A_activated_by", "clients"."payment_status" AS "A_payment_status", "clients"."subscription_data" AS "A_subscription_data", "clients"."created_at" AS "A_created_at", "r0"."id" AS "B_id", "r0"."email" AS "B_email", "r0"."password_hash" AS "B_password_hash", "r0"."first_name" AS "B_first_name", "r0"."last_name" AS "B_last_name", "r0"."role" AS "B_role", "r0"."is_active" AS "B_is_active", "r0"."created_at" AS "B_created_at", "r0"."updated_at" AS "B_updated_at" FROM "clients" LEFT JOIN "users" AS "r0" ON "clients"."user_id" = "r0"."id" WHERE "clients"."user_id" = :uid LIMIT 1;

-- The delegation: under the client's row lock, check the resume and duplicates, read the employees serving the
-- client (the first who takes work gets the job), write the job already assigned, the employee's last-assigned
-- time, their notification and queued email, and both timeline entries in one statement.
BEGIN;
SELECT id FROM clients WHERE id = :cid FOR UPDATE;
SELECT "resume_types"."id", "resume_types"."resume_profile_id", "resume_types"."name", "resume_types"."file_path", "resume_types"."file_name", "resume_types"."file_size", "resume_types"."uploaded_at" FROM "resume_types" WHERE "resume_types"."id" = :rid AND "resume_types"."resume_profile_id" IN (SELECT "id" FROM "resume_profiles" WHERE "resume_profiles"."client_id" = :cid) LIMIT 1;
SELECT "job_delegations"."id", "job_delegations"."client_id", "job_delegations"."assigned_employee_id", "job_delegations"."resume_type_id", "job_delegations"."job_url", "job_delegations"."company_name", "job_delegations"."job_title", "job_delegations"."status", "job_delegations"."priority", "job_delegations"."deadline", "job_delegations"."delegated_at", "job_delegations"."assigned_at", "job_delegations"."started_at", "job_delegations"."completed_at", "job_delegations"."notes", "job_delegations"."metadata", "job_delegations"."updated_at", "job_delegations"."deadline_reminded_at", "job_delegations"."unassigned_alerted_at" FROM "job_delegations" WHERE "job_delegations"."client_id" = :cid AND "job_delegations"."job_url" = 'https://load.example/pgbench/' || :r1::text || '-' || :r2::text AND "job_delegations"."status" <> 'cancelled' LIMIT 1;
SELECT e.id AS pick_id, u.id AS pick_user_id, u.email AS pick_email, u.first_name AS pick_first_name, u.last_name AS pick_last_name, (e.is_available AND u.is_active) AS pick_takes_work FROM employees e JOIN client_employee_assignments a ON a.employee_id = e.id AND a.client_id = :cid AND a.is_active = TRUE JOIN users u ON u.id = e.user_id ORDER BY (e.is_available AND u.is_active) DESC, (SELECT COUNT(*) FROM job_delegations j WHERE j.assigned_employee_id = e.id AND j.status IN ('pending', 'in_progress')) ASC, e.last_assigned_at ASC NULLS FIRST, e.id ASC \aset
INSERT INTO "job_delegations" ("id", "client_id", "assigned_employee_id", "resume_type_id", "job_url", "company_name", "job_title", "status", "priority", "deadline", "delegated_at", "assigned_at", "started_at", "completed_at", "notes", "metadata", "updated_at", "deadline_reminded_at", "unassigned_alerted_at") VALUES (:jid, :cid, :pick_id, :rid, 'https://load.example/pgbench/' || :r1::text || '-' || :r2::text, 'Load Testing GmbH', 'Load Test Engineer', 'pending', 'normal', NULL, now(), now(), NULL, NULL, '', '{"location": "Berlin, Germany"}', now(), NULL, NULL);
UPDATE "employees" SET "last_assigned_at" = now() WHERE "employees"."id" = :pick_id;
INSERT INTO notifications (id, user_id, notification_type, title, message, is_read, metadata, created_at, read_at, email_pending, shown, push_pending) SELECT load_bench.uuid7(), :pick_user_id, 'job_assigned', 'New job: Load Test Engineer at Load Testing GmbH', 'A job was assigned to you.', FALSE, json_build_object('link', '/employee?job=' || :jid::text), now(), NULL, COALESCE(p.email, TRUE), COALESCE(p.in_app, TRUE), COALESCE(p.push, TRUE) AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = :pick_user_id) FROM (SELECT 1) AS one LEFT JOIN notification_preferences p ON p.user_id = :pick_user_id AND p.kind = 'assignment' WHERE COALESCE(p.in_app, TRUE) OR COALESCE(p.email, TRUE) OR (COALESCE(p.push, TRUE) AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = :pick_user_id)) RETURNING push_pending;
INSERT INTO load_bench.jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority, metadata, idempotency_key) VALUES (convert_to('{"Digest":{"user_id":"' || :pick_user_id::text || '"}}', 'UTF8'), upper(substr(md5(random()::text), 1, 26)), 'jobs.high', 'Pending', 0, 5, to_timestamp(floor(extract(epoch FROM now()) / 60) * 60 + 61), 0, NULL, 'email:' || :pick_user_id::text || ':60000:' || floor(extract(epoch FROM now()) / 60)::bigint::text) ON CONFLICT (job_type, idempotency_key) DO NOTHING;
INSERT INTO "activity_logs" ("id", "user_id", "action_type", "entity_type", "entity_id", "action_data", "ip_address", "user_agent", "created_at") VALUES (load_bench.uuid7(), :uid, 'job.delegate', 'job', :jid, json_build_object('url', 'https://load.example/pgbench/' || :r1::text || '-' || :r2::text, 'priority', 'normal'), '127.0.0.1', 'jd-load/1', now()), (load_bench.uuid7(), NULL, 'job.assign', 'job', :jid, json_build_object('employee_id', :pick_id::text, 'from_employee_id', NULL), '127.0.0.1', 'jd-load/1', now());
-- The NOTIFY that tells the client and the employees serving them, delivered on commit (the answer is built from
-- what the transaction read: no query after it).
SELECT pg_notify('load_bench_events', :people);
COMMIT;
