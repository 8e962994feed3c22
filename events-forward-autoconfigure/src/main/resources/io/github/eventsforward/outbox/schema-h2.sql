-- The outbox of datasette-events-forward, in the application's own database: events written
-- in the application's transactions wait here until they are sent. Safe to run again: run it by
-- hand when the application's database user may not create tables. Also the starting point for
-- a database without a script of its own. No index but the primary key: a claim reads it in
-- order, and H2 uses no index on the lease for that query.
CREATE TABLE IF NOT EXISTS datasette_events_outbox (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id VARCHAR(26) NOT NULL,
	instance VARCHAR(255),
	event VARCHAR(255) NOT NULL,
	created VARCHAR(64) NOT NULL,
	actor_id VARCHAR(255),
	database_name VARCHAR(255),
	table_name VARCHAR(255),
	properties CLOB NOT NULL,
	lease_owner VARCHAR(100),
	lease_until BIGINT
);
