#include <gtest/gtest.h>

#include <thread>

#include "store/conninfo.hpp"
#include "store/migrations.hpp"
#include "test_database.hpp"

namespace fcd::store::test {
namespace {

TEST(Migrations, EmbeddedInOrderAndContiguous) {
  const auto& migrations = embedded_migrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1) << migrations[i].name;
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(known_schema_version(), migrations.back().version);
}

TEST(Migrations, ApplyOnceThenNoOp) {
  TestDatabase db{false};
  auto store = db.open();
  EXPECT_EQ(store->schema_version(), 0);
  EXPECT_THROW(store->require_current_schema(), SchemaMismatchError);

  const auto first = store->migrate();
  EXPECT_EQ(first.from_version, 0);
  EXPECT_EQ(first.to_version, known_schema_version());
  ASSERT_EQ(first.applied.size(), embedded_migrations().size());
  EXPECT_EQ(first.applied.front().name, "0001_initial_schema");
  EXPECT_EQ(store->schema_version(), known_schema_version());
  EXPECT_NO_THROW(store->require_current_schema());

  const auto tables_before = db.scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace");
  const auto second = store->migrate();
  EXPECT_EQ(second.from_version, known_schema_version());
  EXPECT_EQ(second.to_version, known_schema_version());
  EXPECT_TRUE(second.applied.empty());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"), std::to_string(embedded_migrations().size()));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"), tables_before);
}

TEST(Migrations, ConcurrentMigrateAppliesEachOnce) {
  TestDatabase db{false};
  auto a = db.open("a");
  auto b = db.open("b");
  MigrationReport ra, rb;
  std::thread ta([&] { ra = a->migrate(); });
  std::thread tb([&] { rb = b->migrate(); });
  ta.join();
  tb.join();
  EXPECT_EQ(ra.applied.size() + rb.applied.size(), embedded_migrations().size());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"), std::to_string(embedded_migrations().size()));
}

TEST(Migrations, NewerDatabaseIsRefused) {
  TestDatabase db;
  const int future = known_schema_version() + 1;
  db.exec("INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(future) + ", '9999_future')");
  auto store = db.open();
  EXPECT_EQ(store->schema_version(), future);
  try {
    store->migrate();
    FAIL() << "migrate() accepted a newer database";
  } catch (const SchemaTooNewError& e) {
    EXPECT_EQ(e.database_version(), future);
    EXPECT_EQ(e.known_version(), known_schema_version());
    EXPECT_NE(std::string{e.what()}.find("newer than this feedclusterd"), std::string::npos) << e.what();
  }
  EXPECT_THROW(store->require_current_schema(), SchemaTooNewError);
  // The refusal left nothing behind: the migration lock (key 0x0066636400000001)
  // is free again. pg_locks is server-wide and tests running in parallel hold
  // advisory locks of their own, so count only those in this test's database;
  // the store's own liveness lock (another key) stays while it is connected.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                      "(SELECT oid FROM pg_database WHERE datname = current_database())"
                      " AND classid = x'00666364'::int::oid AND objid = 1 AND objsubid = 1"),
            "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                      "(SELECT oid FROM pg_database WHERE datname = current_database())"),
            "1")
      << "the store's liveness lock";
}

TEST(Migrations, FailedMigrationRollsBackWholly) {
  TestDatabase db{false};
  // A table in the way makes 0001 fail half-way: nothing of it may remain.
  db.exec("CREATE TABLE stories (id int)");
  auto store = db.open();
  EXPECT_THROW(store->migrate(), StoreError);
  EXPECT_EQ(db.scalar("SELECT to_regclass('sources') IS NULL"), "t");
  EXPECT_EQ(store->schema_version(), 0);
}

TEST(ConnectionString, PasswordIsRedacted) {
  EXPECT_EQ(redact_connection_string("postgresql://fcd:s3cret@db.example:5432/news"),
            "postgresql://fcd:***@db.example:5432/news");
  EXPECT_EQ(redact_connection_string("host=db user=fcd password=s3cret dbname=news"),
            "host=db user=fcd password=*** dbname=news");
  EXPECT_EQ(redact_connection_string("postgresql://db/news?user=fcd&password=s3cret&sslmode=require"),
            "postgresql://db/news?user=fcd&password=***&sslmode=require");
  EXPECT_EQ(redact_connection_string("postgresql://fcd@db/news"), "postgresql://fcd@db/news");
}

TEST(ConnectionString, WithDatabaseReplacesOnlyTheName) {
  EXPECT_EQ(with_database("postgresql://u@h:5432/postgres?sslmode=disable", "t1"),
            "postgresql://u@h:5432/t1?sslmode=disable");
  EXPECT_EQ(with_database("postgresql://u@h:5432", "t1"), "postgresql://u@h:5432/t1");
  EXPECT_EQ(with_database("postgresql://h?user=u", "t1"), "postgresql://h/t1?user=u");
  EXPECT_EQ(with_database("host=h dbname=postgres", "t1"), "host=h dbname=postgres dbname='t1'");
}

TEST(ConnectionString, ConnectFailureNamesNoPassword) {
  StoreOptions options;
  // Port 1 on loopback: refused at once.
  options.url = "postgresql://fcd:s3cret@127.0.0.1:1/news?connect_timeout=2";
  try {
    Store store{options};
    FAIL() << "connected to port 1";
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_TRUE(e.connection_lost());
    EXPECT_EQ(std::string{e.what()}.find("s3cret"), std::string::npos) << e.what();
    EXPECT_NE(std::string{e.what()}.find("127.0.0.1"), std::string::npos) << e.what();
  }
}

TEST(Backoff, DoublesUpToTheCap) {
  using std::chrono::milliseconds;
  EXPECT_EQ(next_backoff(0), milliseconds{500});
  EXPECT_EQ(next_backoff(1), milliseconds{1000});
  EXPECT_EQ(next_backoff(3), milliseconds{4000});
  EXPECT_EQ(next_backoff(30), milliseconds{30000});
  EXPECT_EQ(next_backoff(1000, milliseconds{2000}), milliseconds{2000});
}

}  // namespace
}  // namespace fcd::store::test
