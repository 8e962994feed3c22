package io.github.eventsforward.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import io.github.eventsforward.EventRow;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.Assert;

/**
 * The outbox: the table {@value #TABLE} in the application's own database, where rows wait
 * until they are sent. A row is written in the transaction of the code that publishes its
 * event, so that it exists exactly when that transaction commits. Forwarders claim rows
 * oldest first under a lease and delete them once sent. Several forwarders (one an instance
 * of the application) may share the table: while a lease runs no other forwarder gets its
 * rows, and a lease that runs out (its forwarder stopped) lets another take them.
 * <p>
 * Each store is one owner of leases, and owners must differ between the stores that share a
 * table. Safe for use by several threads.
 */
final class OutboxStore {

	static final String TABLE = "datasette_events_outbox";

	private static final String LOCATION = "classpath:io/github/eventsforward/outbox/schema-";

	private static final String COLUMNS = String.join(", ", RequestBodyWriter.COLUMNS);

	private static final String INSERT = "INSERT INTO " + TABLE + " (" + COLUMNS
			+ ") VALUES (:id, :instance, :event, :created, :actor_id, :database_name, :table_name, :properties)";

	private static final String CLAIMABLE = "(lease_until IS NULL OR lease_until < :now)";

	private static final String SELECT_FREE = "SELECT seq, " + COLUMNS + " FROM " + TABLE
			+ " WHERE lease_until IS NULL ORDER BY seq LIMIT :max FOR UPDATE SKIP LOCKED";

	private static final String SELECT_EXPIRED = "SELECT seq, " + COLUMNS + " FROM " + TABLE
			+ " WHERE lease_until < :now ORDER BY lease_until, seq LIMIT :max FOR UPDATE SKIP LOCKED";

	private static final String SELECT_CANDIDATES = "SELECT seq FROM " + TABLE + " WHERE seq > :after AND "
			+ CLAIMABLE + " ORDER BY seq";

	private static final String LEASE = "UPDATE " + TABLE
			+ " SET lease_owner = :owner, lease_until = :until WHERE seq IN (:seqs)";

	private static final String SELECT_LEASED = "SELECT seq, " + COLUMNS + " FROM " + TABLE
			+ " WHERE seq IN (:seqs) AND lease_owner = :owner AND lease_until = :until ORDER BY seq";

	private static final String DELETE = "DELETE FROM " + TABLE + " WHERE seq IN (:seqs) AND lease_owner = :owner";

	private static final String RELEASE = "UPDATE " + TABLE
			+ " SET lease_owner = NULL, lease_until = NULL WHERE seq IN (:seqs) AND lease_owner = :owner";

	// Values in one IN list: well under any database's limit on a statement's parameters.
	private static final int CHUNK = 1000;

	private static final int OWNER_LENGTH = 100;

	private final String owner;

	// How many rows the table held when it was last analyzed, and whether it may be.
	private volatile long analyzedAt;

	private volatile boolean analyze = true;

	private final long leaseMillis;

	private final Clock clock;

	private final Dialect dialect;

	private final JdbcClient callersJdbc;

	private final DataSource ownDataSource;

	private final JdbcClient ownJdbc;

	private final TransactionTemplate ownTransaction;

	private final Lock claiming = new ReentrantLock();

	/**
	 * Create a store on the application's database, which is asked once which database it is.
	 * @param dataSource the application's database
	 * @param owner names this store on the leases it takes, unique among the stores that share
	 * the table
	 * @param lease how long claimed rows stay this store's before another may claim them
	 * @param clock times the leases
	 * @throws OutboxAccessException when the database cannot be reached
	 */
	OutboxStore(DataSource dataSource, String owner, Duration lease, Clock clock) {
		Assert.hasText(owner, "The owner of the outbox's leases must not be empty");
		Assert.isTrue(owner.length() <= OWNER_LENGTH, () -> "The owner of the outbox's leases must be at most "
				+ OWNER_LENGTH + " characters (the lease_owner column), not " + owner.length());
		Assert.isTrue(!lease.isNegative() && !lease.isZero(), "The outbox's lease must be positive");
		this.owner = owner;
		this.leaseMillis = lease.toMillis();
		this.clock = clock;
		this.dialect = detect(dataSource);
		this.callersJdbc = JdbcClient.create(dataSource);
		// A data source of our own, so that Spring never finds a connection bound to the thread
		// for it: a claim, an acknowledgement or a release is the forwarder's work, committed on
		// its own, whatever transaction the calling thread is in (even one of a JPA or other
		// transaction manager, which REQUIRES_NEW on the application's data source would not
		// always suspend). A proxy that hands out the thread's transactional connection is
		// looked through for the same reason.
		this.ownDataSource = new DelegatingDataSource(target(dataSource));
		this.ownJdbc = JdbcClient.create(this.ownDataSource);
		this.ownTransaction = new TransactionTemplate(new DataSourceTransactionManager(this.ownDataSource));
		this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.ownTransaction.setIsolationLevel(this.dialect.isolation);
	}

	/**
	 * Open the outbox the settings ask for, creating its table as
	 * {@code outbox.initialize-schema} allows.
	 * @param dataSource the application's database, if it has one
	 * @param settings the settings, with {@code outbox.enabled}
	 * @return the store
	 * @throws UnusableOutboxException when there is no database, or no table and no leave to
	 * create it
	 */
	static OutboxStore open(@Nullable DataSource dataSource, ForwarderSettings settings) {
		ForwarderSettings.Outbox outbox = settings.outbox();
		if (dataSource == null) {
			throw new UnusableOutboxException("The outbox needs the application's DataSource, and there is none:"
					+ " add org.springframework.boot:spring-boot-starter-jdbc and set spring.datasource.url");
		}
		String owner = ((settings.instance() != null) ? settings.instance() : "forwarder") + "/" + UUID.randomUUID();
		try {
			OutboxStore store = new OutboxStore(dataSource, owner.substring(0, Math.min(100, owner.length())),
					outbox.lease(), Clock.systemUTC());
			if (!store.tableExists()) {
				boolean create = switch (outbox.initializeSchema()) {
					case ALWAYS -> true;
					case EMBEDDED -> store.inMemory();
					case NEVER -> false;
				};
				if (!create) {
					throw new UnusableOutboxException("The outbox table " + TABLE + " does not exist, and"
							+ " datasette.events-forward.outbox.initialize-schema is " + outbox.initializeSchema().value()
							+ ". Create it with the script " + store.schemaLocation()
							+ " (in the starter's jar; or with Flyway or Liquibase), or set initialize-schema to always."
							+ " The script:\n" + store.schemaScript());
				}
				store.createSchema();
			}
			return store;
		}
		catch (OutboxAccessException ex) {
			throw new UnusableOutboxException(String.valueOf(ex.getMessage()), ex);
		}
	}

	private static DataSource target(DataSource dataSource) {
		DataSource target = (dataSource instanceof TransactionAwareDataSourceProxy proxy)
				? proxy.getTargetDataSource() : null;
		return (target != null) ? target : dataSource;
	}

	private static Dialect detect(DataSource dataSource) {
		try {
			return JdbcUtils.extractDatabaseMetaData(dataSource,
					(metaData) -> Dialect.of(metaData.getDatabaseProductName(), metaData.getDatabaseMajorVersion()));
		}
		catch (MetaDataAccessException ex) {
			throw new OutboxAccessException("The database of the outbox table " + TABLE
					+ " cannot be reached to find which database it is (" + describe(ex)
					+ "). Check the application's DataSource and that its database is up", ex);
		}
	}

	/**
	 * Return whether the database lives in the application's memory, as H2's, HSQLDB's and
	 * Derby's in-memory databases do: the kind Spring Boot calls embedded.
	 * @return whether it is an in-memory database
	 * @throws OutboxAccessException when the database cannot be asked
	 */
	boolean inMemory() {
		try {
			String url = JdbcUtils.extractDatabaseMetaData(this.ownDataSource, DatabaseMetaData::getURL);
			return url != null && (url.startsWith("jdbc:h2:mem:") || url.startsWith("jdbc:hsqldb:mem:")
					|| url.startsWith("jdbc:derby:memory:"));
		}
		catch (MetaDataAccessException ex) {
			throw new OutboxAccessException("The database of the outbox table " + TABLE + " cannot be reached ("
					+ describe(ex) + "). Check the application's DataSource and that its database is up", ex);
		}
	}

	/**
	 * Return the database this store found.
	 * @return the dialect
	 */
	Dialect dialect() {
		return this.dialect;
	}

	/**
	 * Return where the script that creates the table for this database is, for users who
	 * create it themselves.
	 * @return a {@code classpath:} location in the forwarder's jar
	 */
	String schemaLocation() {
		return LOCATION + this.dialect.script + ".sql";
	}

	/**
	 * Return the statements that create the table for this database, for a message that
	 * tells users what to run.
	 * @return the script's text
	 */
	String schemaScript() {
		try (InputStream in = new DefaultResourceLoader(OutboxStore.class.getClassLoader())
			.getResource(schemaLocation())
			.getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
		}
		catch (IOException ex) {
			return "(the script " + schemaLocation() + " cannot be read: " + ex.getMessage() + ")";
		}
	}

	/**
	 * Return whether the table exists in the schema that unqualified names resolve to, whatever
	 * the case the database keeps names in.
	 * @return whether the table exists
	 * @throws OutboxAccessException when the database cannot be asked
	 */
	boolean tableExists() {
		try {
			return JdbcUtils.extractDatabaseMetaData(this.ownDataSource, OutboxStore::tableExists);
		}
		catch (MetaDataAccessException ex) {
			throw new OutboxAccessException("Whether the outbox table " + TABLE + " exists cannot be found ("
					+ describe(ex) + "). Check the application's DataSource and that its database is up", ex);
		}
	}

	private static boolean tableExists(DatabaseMetaData metaData) throws SQLException {
		Connection connection = metaData.getConnection();
		String escape = metaData.getSearchStringEscape();
		String catalog = connection.getCatalog();
		String schema = connection.getSchema();
		Set<String> names = new HashSet<>(List.of(TABLE, TABLE.toUpperCase(Locale.ROOT)));
		for (String name : names) {
			try (ResultSet tables = metaData.getTables(catalog, pattern(schema, escape), pattern(name, escape), null)) {
				while (tables.next()) {
					// A pattern's "_" matches any character, and some drivers match case-blind.
					if (TABLE.equalsIgnoreCase(tables.getString("TABLE_NAME"))) {
						return true;
					}
				}
			}
		}
		return false;
	}

	private static @Nullable String pattern(@Nullable String name, @Nullable String escape) {
		if (name == null || escape == null || escape.isEmpty()) {
			return name;
		}
		return name.replace(escape, escape + escape).replace("_", escape + "_").replace("%", escape + "%");
	}

	/**
	 * Create the table and its index with the script of this database, unless they exist.
	 * @throws OutboxAccessException when the script fails, for example when the database user
	 * may not create tables
	 */
	void createSchema() {
		ResourceDatabasePopulator populator = new ResourceDatabasePopulator(
				new DefaultResourceLoader(OutboxStore.class.getClassLoader()).getResource(schemaLocation()));
		populator.setSqlScriptEncoding("UTF-8");
		try {
			DatabasePopulatorUtils.execute(populator, this.ownDataSource);
		}
		catch (DataAccessException ex) {
			throw new OutboxAccessException("The outbox table " + TABLE + " cannot be created with " + schemaLocation()
					+ " (" + describe(ex) + "). Run that script (it is in the forwarder's jar) as a database user"
					+ " who may create tables", ex);
		}
	}

	/**
	 * Write a row. In a transaction of the application's (one that Spring manages on the same
	 * data source) the row is written in it, committed or rolled back with it; outside one it
	 * is written at once.
	 * @param row the row
	 * @throws OutboxAccessException when the row cannot be written
	 */
	void insert(EventRow row) {
		try {
			this.callersJdbc.sql(INSERT)
				.param("id", row.id(), Types.VARCHAR)
				.param("instance", row.instance(), Types.VARCHAR)
				.param("event", row.event(), Types.VARCHAR)
				.param("created", row.created(), Types.VARCHAR)
				.param("actor_id", row.actorId(), Types.VARCHAR)
				.param("database_name", row.databaseName(), Types.VARCHAR)
				.param("table_name", row.tableName(), Types.VARCHAR)
				.param("properties", row.properties(), Types.VARCHAR)
				.update();
		}
		catch (DataAccessException ex) {
			throw failure("An event cannot be written to", ex);
		}
	}

	/**
	 * Lease rows to this store, oldest first: rows that no lease holds, and rows whose lease
	 * has run out. Claimed in a short transaction of the store's own, never the calling
	 * thread's. Rows of transactions that have not committed are neither returned nor waited
	 * for.
	 * @param max the most rows
	 * @return the rows, by {@link Claimed#seq() seq}, held until the lease runs out
	 * @throws OutboxAccessException when the table cannot be read or written
	 */
	List<Claimed> claim(int max) {
		Assert.isTrue(max > 0, "max must be positive");
		// One claim at a time per store: with the same owner and the same clock reading, two
		// conditional claims could not tell their rows apart.
		this.claiming.lock();
		try {
			long now = this.clock.millis();
			long until = now + this.leaseMillis;
			List<Claimed> claimed = this.ownTransaction.execute((status) -> this.dialect.skipLocked
					? claimSkippingLocked(max, now, until) : claimConditionally(max, now, until));
			return (claimed != null) ? claimed : List.of();
		}
		catch (DataAccessException | TransactionException ex) {
			throw failure("Rows cannot be claimed from", ex);
		}
		finally {
			this.claiming.unlock();
		}
	}

	// Rows another claim has locked are skipped rather than waited for, and are gone from
	// the candidates once that claim commits. Free rows and rows whose lease ran out are
	// looked for apart, each along an index in the order it is read, so that neither query
	// walks past the leased rows, which are most of the oldest: the free rows by seq, the
	// others by when their lease ran out, which is by seq too but for rows claimed together.
	private List<Claimed> claimSkippingLocked(int max, long now, long until) {
		List<Claimed> rows = new ArrayList<>(this.ownJdbc.sql(SELECT_FREE)
			.param("max", max)
			.query(OutboxStore::claimed)
			.list());
		rows.addAll(this.ownJdbc.sql(SELECT_EXPIRED)
			.param("now", now)
			.param("max", max)
			.query(OutboxStore::claimed)
			.list());
		rows.sort(Comparator.comparingLong(Claimed::seq));
		// Rows past max stay locked until the commit, a moment later: other claims skip them once.
		List<Claimed> claimed = List.copyOf(rows.subList(0, Math.min(max, rows.size())));
		for (List<Long> chunk : chunks(seqs(claimed))) {
			this.ownJdbc.sql(LEASE).param("owner", this.owner).param("until", until).param("seqs", chunk).update();
		}
		return claimed;
	}

	// Without SKIP LOCKED, rows are leased by an update that only takes those still free.
	// Of two stores that update the same row, the second waits for the first to commit and
	// then, the condition checked again on the row it waited for, finds it leased, as
	// databases do in READ COMMITTED. What this store got is what carries its owner and this
	// lease's end.
	private List<Claimed> claimConditionally(int max, long now, long until) {
		List<Claimed> claimed = new ArrayList<>();
		long after = Long.MIN_VALUE;
		while (claimed.size() < max) {
			int wanted = max - claimed.size();
			List<Long> candidates = this.ownJdbc.sql(SELECT_CANDIDATES)
				.withMaxRows(wanted)
				.param("after", after)
				.param("now", now)
				.query(Long.class)
				.list();
			for (List<Long> chunk : chunks(candidates)) {
				int leased = this.ownJdbc.sql(LEASE + " AND " + CLAIMABLE)
					.param("owner", this.owner)
					.param("until", until)
					.param("seqs", chunk)
					.param("now", now)
					.update();
				if (leased > 0) {
					claimed.addAll(this.ownJdbc.sql(SELECT_LEASED)
						.param("seqs", chunk)
						.param("owner", this.owner)
						.param("until", until)
						.query(OutboxStore::claimed)
						.list());
				}
			}
			if (candidates.size() < wanted) {
				break;
			}
			after = candidates.get(candidates.size() - 1);
		}
		return claimed;
	}

	/**
	 * Delete rows that were sent or dead-lettered, of those this store holds: a row whose
	 * lease ran out and that another store claimed is that store's to delete.
	 * @param seqs the rows' {@link Claimed#seq() seq}
	 * @throws OutboxAccessException when the rows cannot be deleted
	 */
	void delete(List<Long> seqs) {
		apply(DELETE, seqs, "Sent rows cannot be deleted from");
	}

	/**
	 * Give rows this store holds back, so that any store may claim them at once: on shutdown,
	 * for the rows that were claimed and not sent.
	 * @param seqs the rows' {@link Claimed#seq() seq}
	 * @throws OutboxAccessException when the rows cannot be released
	 */
	void release(List<Long> seqs) {
		apply(RELEASE, seqs, "Claimed rows cannot be released in");
	}

	private void apply(String sql, List<Long> seqs, String failure) {
		if (seqs.isEmpty()) {
			return;
		}
		try {
			this.ownTransaction.executeWithoutResult((status) -> {
				for (List<Long> chunk : chunks(seqs)) {
					this.ownJdbc.sql(sql).param("seqs", chunk).param("owner", this.owner).update();
				}
			});
		}
		catch (DataAccessException | TransactionException ex) {
			throw failure(failure, ex);
		}
	}

	/**
	 * Return how many rows the table holds, claimed or not, committed ones only.
	 * @return the rows
	 * @throws OutboxAccessException when the table cannot be read
	 */
	long count() {
		try {
			return this.ownJdbc.sql("SELECT COUNT(*) FROM " + TABLE).query(Long.class).single();
		}
		catch (DataAccessException ex) {
			throw failure("The rows cannot be counted in", ex);
		}
	}

	/**
	 * Keep the database's statistics of the table up to date while it grows fast, as during
	 * an outage: on PostgreSQL, a claim planned with the statistics of a table that was
	 * nearly empty sorts every waiting row rather than reading the first few from the index,
	 * and autovacuum analyzes a table only once a minute at best. Analyzes the table when it
	 * has at least doubled since the last time; once it may not (another user owns it), it
	 * leaves it to autovacuum.
	 * @param rows how many rows the table holds now
	 */
	void keepStatistics(long rows) {
		if (this.dialect != Dialect.POSTGRESQL || !this.analyze || rows < 1_000 || rows < 2 * this.analyzedAt) {
			return;
		}
		try {
			this.ownJdbc.sql("ANALYZE " + TABLE).update();
			this.analyzedAt = rows;
		}
		catch (DataAccessException ex) {
			this.analyze = false;
		}
	}

	/**
	 * Return the highest {@code seq} committed so far, for a flush to wait for.
	 * @return the seq, or 0 when the table is empty
	 * @throws OutboxAccessException when the table cannot be read
	 */
	long lastSeq() {
		try {
			Long last = this.ownJdbc.sql("SELECT MAX(seq) FROM " + TABLE).query(Long.class).optional().orElse(null);
			return (last != null) ? last : 0;
		}
		catch (DataAccessException ex) {
			throw failure("The rows cannot be read in", ex);
		}
	}

	/**
	 * Return how many rows up to a {@code seq} are still in the table.
	 * @param seq the highest seq to count
	 * @return the rows
	 * @throws OutboxAccessException when the table cannot be read
	 */
	long countUpTo(long seq) {
		try {
			return this.ownJdbc.sql("SELECT COUNT(*) FROM " + TABLE + " WHERE seq <= ?")
				.param(seq)
				.query(Long.class)
				.single();
		}
		catch (DataAccessException ex) {
			throw failure("The rows cannot be counted in", ex);
		}
	}

	private OutboxAccessException failure(String what, RuntimeException ex) {
		return new OutboxAccessException(what + " the outbox table " + TABLE + " (" + describe(ex)
				+ "). Check that the table exists (create it with " + schemaLocation()
				+ ") and that the application's database user may read and write it", ex);
	}

	// The exception's type and SQL state, not its message: a driver's message may carry a
	// connection URL, and with it a password.
	private static String describe(Exception ex) {
		String description = ex.getClass().getSimpleName();
		Throwable cause = NestedExceptionUtils.getMostSpecificCause(ex);
		if (cause instanceof SQLException sqlException && sqlException.getSQLState() != null) {
			description += ", SQL state " + sqlException.getSQLState();
		}
		return description;
	}

	private static Claimed claimed(ResultSet result, int rowNum) throws SQLException {
		return new Claimed(result.getLong("seq"),
				new EventRow(result.getString("id"), result.getString("instance"), result.getString("event"),
						result.getString("created"), result.getString("actor_id"), result.getString("database_name"),
						result.getString("table_name"), result.getString("properties")));
	}

	private static List<Long> seqs(List<Claimed> rows) {
		return rows.stream().map(Claimed::seq).toList();
	}

	private static List<List<Long>> chunks(List<Long> seqs) {
		List<List<Long>> chunks = new ArrayList<>();
		for (int start = 0; start < seqs.size(); start += CHUNK) {
			chunks.add(seqs.subList(start, Math.min(seqs.size(), start + CHUNK)));
		}
		return chunks;
	}

	/**
	 * A row as a claim returns it.
	 *
	 * @param seq its place in the table, in the order rows were written: what
	 * {@link #delete(List)} and {@link #release(List)} take
	 * @param row the row
	 */
	record Claimed(long seq, EventRow row) {

	}

	/**
	 * The databases the store tells apart: the script that creates the table, and how rows
	 * are claimed.
	 */
	enum Dialect {

		/** PostgreSQL: {@code FOR UPDATE SKIP LOCKED}. */
		POSTGRESQL("postgresql", true, TransactionDefinition.ISOLATION_READ_COMMITTED),

		/**
		 * MySQL 8 or later: {@code FOR UPDATE SKIP LOCKED}, in READ COMMITTED, whose locking
		 * reads take no gap locks that would hold up the application's inserts.
		 */
		MYSQL("mysql", true, TransactionDefinition.ISOLATION_READ_COMMITTED),

		/** H2: conditional updates. */
		H2("h2", false, TransactionDefinition.ISOLATION_READ_COMMITTED),

		/** Any other database: conditional updates, and H2's script as a starting point. */
		OTHER("h2", false, TransactionDefinition.ISOLATION_DEFAULT);

		private final String script;

		private final boolean skipLocked;

		private final int isolation;

		Dialect(String script, boolean skipLocked, int isolation) {
			this.script = script;
			this.skipLocked = skipLocked;
			this.isolation = isolation;
		}

		static Dialect of(String productName, int majorVersion) {
			String name = productName.toLowerCase(Locale.ROOT);
			if (name.contains("postgresql")) {
				return POSTGRESQL;
			}
			if (name.contains("mysql") && majorVersion >= 8) {
				return MYSQL;
			}
			if (name.equals("h2")) {
				return H2;
			}
			return OTHER;
		}

	}

}
