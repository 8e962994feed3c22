-- The outbox of datasette-events-forward, in the application's own database: events written
-- in the application's transactions wait here until they are sent. Safe to run again: run it by
-- hand when the application's database user may not create tables. MySQL 8 has no
-- CREATE INDEX IF NOT EXISTS, so the index is part of the table. InnoDB for row locks (the
-- claim skips the rows another forwarder has locked), utf8mb4 for any Unicode text.
CREATE TABLE IF NOT EXISTS datasette_events_outbox (
	seq BIGINT NOT NULL AUTO_INCREMENT,
	id VARCHAR(26) NOT NULL,
	instance VARCHAR(255),
	event VARCHAR(255) NOT NULL,
	created VARCHAR(64) NOT NULL,
	actor_id VARCHAR(255),
	database_name VARCHAR(255),
	table_name VARCHAR(255),
	properties LONGTEXT NOT NULL,
	lease_owner VARCHAR(100),
	lease_until BIGINT,
	PRIMARY KEY (seq),
	-- The free rows (lease_until IS NULL) oldest first, and the leases that have run out.
	INDEX datasette_events_outbox_lease (lease_until, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
