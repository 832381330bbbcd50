// The downstream contract in the database: the reader role sees the public
// views and the change feed and nothing else, every one of their columns is
// commented, the contract version is reported, and a non-superuser with
// CREATEROLE can migrate.
#include <gtest/gtest.h>

#include <unistd.h>

#include <pqxx/pqxx>

#include "store/conninfo.hpp"
#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const std::vector<std::string> kPublic{"latest_stories", "story_coverage", "article_search", "article_changes",
                                       "source_health",  "unplaced_articles", "story_events"};

TEST_F(StoreTest, TheReaderRoleSeesThePublicRelationsOnly) {
  EXPECT_EQ(db_->scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'feedclusterd_reader'"), "f");
  EXPECT_EQ(db_->scalar("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.role_table_grants"
                        " WHERE grantee = 'feedclusterd_reader' AND table_catalog = current_database()"),
            "article_changes,article_search,latest_stories,source_health,story_coverage,story_events,"
            "unplaced_articles");
  EXPECT_EQ(db_->scalar("SELECT string_agg(DISTINCT privilege_type, ',') FROM information_schema.role_table_grants"
                        " WHERE grantee = 'feedclusterd_reader' AND table_catalog = current_database()"),
            "SELECT");
  pqxx::connection c{db_->url()};
  for (const auto& relation : kPublic) {
    pqxx::work tx{c};
    tx.exec("SET LOCAL ROLE feedclusterd_reader");
    EXPECT_NO_THROW(tx.exec("SELECT * FROM " + relation + " LIMIT 1")) << relation;
  }
  for (const std::string table : {"articles", "stories", "sources", "article_tombstones", "cluster_set_aside"}) {
    pqxx::work tx{c};
    tx.exec("SET LOCAL ROLE feedclusterd_reader");
    EXPECT_THROW(tx.exec("SELECT 1 FROM " + table + " LIMIT 1"), pqxx::insufficient_privilege) << table;
  }
  pqxx::work tx{c};
  tx.exec("SET LOCAL ROLE feedclusterd_reader");
  EXPECT_THROW(tx.exec("DELETE FROM story_events"), pqxx::insufficient_privilege);
}

TEST_F(StoreTest, EveryPublicRelationAndColumnIsCommentedAndTheVersionIsReported) {
  EXPECT_EQ(db_->scalar("SELECT feedclusterd_contract_version()"), "2");
  for (const auto& relation : kPublic) {
    EXPECT_NE(db_->scalar("SELECT obj_description('" + relation + "'::regclass, 'pg_class')"), "") << relation;
    EXPECT_EQ(db_->scalar("SELECT coalesce(string_agg(attname, ','), '') FROM pg_attribute"
                          " WHERE attrelid = '" + relation + "'::regclass AND attnum > 0 AND NOT attisdropped"
                          " AND col_description(attrelid, attnum) IS NULL"),
              "")
        << relation << ": columns without a comment";
  }
}

// The migrating role needs no superuser: CREATEROLE (the reader role may
// exist already, from another database of the server) and owning its database.
TEST(ReaderContract, ANonSuperuserWithCreateroleMigrates) {
  const std::string suffix = std::to_string(getpid()) + "_" + std::to_string(time(nullptr));
  const std::string role = "fcd_migrator_" + suffix, database = "fcd_test_migrator_" + suffix;
  pqxx::connection admin{server_url()};
  {
    pqxx::nontransaction tx{admin};
    tx.exec("CREATE ROLE " + role + " LOGIN CREATEROLE");
    tx.exec("CREATE DATABASE " + database + " OWNER " + role);
  }
  std::string url = with_database(server_url(), database);
  url += (url.find('?') == std::string::npos ? "?" : "&") + std::string{"user="} + role;
  {
    StoreOptions options;
    options.url = url;
    Store store{options};
    EXPECT_NO_THROW(store.migrate());
    EXPECT_EQ(store.schema_version(), known_schema_version());
    pqxx::connection c{url};
    pqxx::work tx{c};
    EXPECT_EQ(tx.exec("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")[0][1]
                  .as<bool>(),
              false);
    EXPECT_EQ(tx.exec("SELECT has_table_privilege('feedclusterd_reader', 'latest_stories', 'SELECT')")[0][0].as<bool>(),
              true);
  }
  pqxx::nontransaction tx{admin};
  tx.exec("DROP DATABASE " + database + " WITH (FORCE)");
  tx.exec("DROP ROLE " + role);
}

}  // namespace
}  // namespace fcd::store::test
