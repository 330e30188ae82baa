// A thin RAII layer over the SQLite C API (Debian's libsqlite3 3.40): one
// connection, prepared statements, errors as custody::Error naming the DB.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <string>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace custody::office {

class Db;

class Stmt {
 public:
  Stmt(Db& db, sqlite3_stmt* s) : db_(&db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();
  // Binds parameters 1, 2, … in order.
  Stmt& Bind(const std::string& text);
  Stmt& Bind(int64_t n);
  // One step: true while a row is ready.
  Result<bool> Step();
  // Runs to the end (no rows expected).
  Status Run();
  int64_t Int(int col) const;
  std::string Text(int col) const;

 private:
  Db* db_;
  sqlite3_stmt* s_;
  int next_ = 1;
};

class Db {
 public:
  // kNotFound if `create` is false and there is no such file.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, bool create);
  ~Db();
  Result<Stmt> Prepare(const std::string& sql);
  Status Exec(const std::string& sql);
  // The last error as custody::Error (kCorrupt for a file that is no database).
  Error Failure(const std::string& what) const;
  const std::string& path() const { return path_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace custody::office
