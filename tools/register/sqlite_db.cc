#include "tools/register/sqlite_db.h"

#include <sqlite3.h>
#include <sys/stat.h>

namespace custody::office {

Stmt::~Stmt() { sqlite3_finalize(s_); }

Stmt& Stmt::Bind(const std::string& text) {
  sqlite3_bind_text(s_, next_++, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::Bind(int64_t n) {
  sqlite3_bind_int64(s_, next_++, n);
  return *this;
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(db_->Failure("query"));
}

Status Stmt::Run() {
  for (;;) {
    CUSTODY_ASSIGN(bool row, Step());
    if (!row) return {};
  }
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(s_, col); }

std::string Stmt::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(s_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(s_, col)))
           : std::string();
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, bool create) {
  struct stat st {};
  if (!create && ::stat(path.c_str(), &st) != 0)
    return std::unexpected(Error{Code::kNotFound, "no register database " + path});
  sqlite3* db = nullptr;
  const int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e{Code::kIo, "cannot open register database " + path + ": " + sqlite3_errstr(rc)};
    sqlite3_close(db);
    return std::unexpected(e);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<Db>(new Db(db, path));
}

Db::~Db() { sqlite3_close(db_); }

Result<Stmt> Db::Prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    return std::unexpected(Failure("query"));
  return Stmt(*this, s);
}

Status Db::Exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return std::unexpected(Failure("query"));
  return {};
}

Error Db::Failure(const std::string& what) const {
  const int rc = sqlite3_errcode(db_);
  const Code code = rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? Code::kCorrupt : Code::kIo;
  return Error{code, "register database " + path_ + ": " + what + ": " + sqlite3_errmsg(db_)};
}

}  // namespace custody::office
