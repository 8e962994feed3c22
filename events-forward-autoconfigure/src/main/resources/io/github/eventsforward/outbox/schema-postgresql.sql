-- The outbox of datasette-events-forward, in the application's own database: events written
-- in the application's transactions wait here until they are sent. Safe to run again: run it by
-- hand when the application's database user may not create tables.
CREATE TABLE IF NOT EXISTS datasette_events_outbox (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id VARCHAR(26) NOT NULL,
	instance VARCHAR(255),
	event VARCHAR(255) NOT NULL,
	created VARCHAR(64) NOT NULL,
	actor_id VARCHAR(255),
	database_name VARCHAR(255),
	table_name VARCHAR(255),
	properties TEXT NOT NULL,
	lease_owner VARCHAR(100),
	lease_until BIGINT
);
-- The free rows, oldest first: a claim reads as many as it takes, however many older rows are
-- leased. A leased row leaves this index.
CREATE INDEX IF NOT EXISTS datasette_events_outbox_free ON datasette_events_outbox (seq)
	WHERE lease_until IS NULL;
-- The leases in the order they run out, for the rows whose lease has.
CREATE INDEX IF NOT EXISTS datasette_events_outbox_lease ON datasette_events_outbox (lease_until, seq);
