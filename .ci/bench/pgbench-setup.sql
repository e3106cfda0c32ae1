-- A twin of apalis.jobs for pgbench's copy of the delegation transaction.
--
-- A delegation queues an email (INSERT INTO apalis.jobs, whose trigger NOTIFYs 'apalis::job::insert'). pgbench must
-- pay the same: the row, its indexes, the trigger and the NOTIFY (which serializes committing transactions on a
-- global lock). But rows in the real table would be picked up by the running server's email worker, and its
-- NOTIFY would wake that worker: the server would work during the pgbench measurement. So pgbench writes here
-- instead: same columns, defaults, indexes and constraints, and a copy of apalis's trigger on a channel nobody
-- listens to. The events NOTIFY after the commit goes to 'load_bench_events' for the same reason.
\set ON_ERROR_STOP on
CREATE SCHEMA load_bench;
CREATE TABLE load_bench.jobs (LIKE apalis.jobs INCLUDING ALL);

-- The body of apalis-postgres 1.0's apalis.notify_new_jobs(), with its channel renamed. `load` prints apalis's
-- trigger definitions next to this so that a change in apalis shows.
CREATE FUNCTION load_bench.notify_new_jobs() RETURNS TRIGGER AS $$
BEGIN
    IF NEW.run_at <= now() THEN
        PERFORM pg_notify(
            'load_bench::job::insert',
            json_build_object(
                'job_type', NEW.job_type,
                'id', NEW.id,
                'run_at', NEW.run_at
            )::text
        );
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER notify_workers AFTER INSERT ON load_bench.jobs
FOR EACH ROW EXECUTE FUNCTION load_bench.notify_new_jobs();

-- The application makes its ids with Uuid::now_v7() (time first, so each table's primary key index grows at its
-- right edge); pgbench makes them like that too.
CREATE FUNCTION load_bench.uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT overlay(overlay(md5(random()::text || clock_timestamp()::text)
                           placing lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
                           from 1)
                   placing '7' from 13)::uuid
$$;
