#pragma once
// Errors of the store. Every failure leaving fcd_store is a StoreError (or a
// subclass) carrying the SQLSTATE and what the store was doing; messages never
// contain the database password.
#include <stdexcept>
#include <string>

namespace fcd::store {

class StoreError : public std::runtime_error {
 public:
  // sqlstate: the five-character SQLSTATE, or "" when the failure did not come
  // from the server. context: what the store was doing ("claim due sources").
  StoreError(std::string sqlstate, std::string context, const std::string& detail);

  const std::string& sqlstate() const noexcept { return sqlstate_; }
  const std::string& context() const noexcept { return context_; }

  // True when the same call may succeed after Store::reconnect() (connection
  // lost, server restarting, backend terminated, serialization failure or
  // deadlock). Nothing of the failed call was committed, unless
  // commit_unknown(); the ingest is idempotent, so re-polling is always safe.
  bool retryable() const noexcept;
  // True when the connection broke while committing: the transaction may or may
  // not have committed.
  bool commit_unknown() const noexcept { return sqlstate_ == "08007"; }
  // True when the connection is unusable and Store::reconnect() is needed.
  bool connection_lost() const noexcept;

 private:
  std::string sqlstate_;
  std::string context_;
};

// The database was migrated by a newer feedclusterd than this binary.
class SchemaTooNewError : public StoreError {
 public:
  SchemaTooNewError(int database_version, int known_version);
  int database_version() const noexcept { return database_version_; }
  int known_version() const noexcept { return known_version_; }

 private:
  int database_version_;
  int known_version_;
};

// The database is not at the version this binary knows (older: run migrate).
class SchemaMismatchError : public StoreError {
 public:
  SchemaMismatchError(int database_version, int known_version);
};

// A poll was committed for a source whose lease this instance no longer holds
// (it expired and another instance took it over). Nothing was written.
class LeaseLostError : public StoreError {
 public:
  LeaseLostError(long long source_id, const std::string& instance_id);
};

// A cluster write was attempted without holding the clusterer lock.
class NotClustererError : public StoreError {
 public:
  NotClustererError();
};

}  // namespace fcd::store
