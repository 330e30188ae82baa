// One error model for every layer of Custody.
//
// An Error carries a Code that tells the caller what to do (and maps 1:1 onto
// the CLI's documented exit codes) and a message that names the problem and
// the object. Context is added as errors travel up ("opening vault x: ...").
//
// Result<T> is std::expected<T, Error>; Status is Result<void>.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace custody {

// Stable: the numeric values are the CLI exit codes (README, --help).
enum class Code : int {
  kOk = 0,
  kIo = 1,            // I/O failure, disk full, lock held, anything else
  kUsage = 2,         // bad arguments: unknown flag, unknown level, bad name
  kAuth = 3,          // wrong passphrase, identity not in the roster, not an officer
  kNotCleared = 4,    // identity lacks the clearance for that level
  kCorrupt = 5,       // integrity: corrupt, tampered, truncated, not a vault
  kNotFound = 6,      // document, file, or vault does not exist
};

const char* CodeName(Code code);

struct Error {
  Code code = Code::kIo;
  std::string message;

  // Returns a copy with "context: " prepended, keeping the code.
  Error With(const std::string& context) const {
    return Error{code, context + ": " + message};
  }
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(Code code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

inline const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kIo: return "i/o";
    case Code::kUsage: return "usage";
    case Code::kAuth: return "authentication";
    case Code::kNotCleared: return "not cleared";
    case Code::kCorrupt: return "integrity";
    case Code::kNotFound: return "not found";
  }
  return "unknown";
}

}  // namespace custody

// Propagates an error from an expression returning Status/Result, adding context.
#define CUSTODY_TRY(expr) CUSTODY_TRY_IMPL(expr, CUSTODY_ASSIGN_CONCAT(custody_try_, __COUNTER__))
#define CUSTODY_TRY_IMPL(expr, tmp)          \
  do {                                       \
    auto tmp = (expr);                       \
    if (!tmp) return std::unexpected(tmp.error()); \
  } while (0)

#define CUSTODY_TRY_CTX(expr, ctx)                                   \
  do {                                                               \
    auto custody_try_status_ = (expr);                               \
    if (!custody_try_status_)                                        \
      return std::unexpected(custody_try_status_.error().With(ctx)); \
  } while (0)

// Assigns the value of a Result to `lhs` or returns its error.
#define CUSTODY_ASSIGN_CONCAT_INNER(a, b) a##b
#define CUSTODY_ASSIGN_CONCAT(a, b) CUSTODY_ASSIGN_CONCAT_INNER(a, b)
#define CUSTODY_ASSIGN(lhs, expr) \
  CUSTODY_ASSIGN_IMPL(CUSTODY_ASSIGN_CONCAT(custody_result_, __COUNTER__), lhs, expr)
#define CUSTODY_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                        \
  if (!tmp) return std::unexpected(tmp.error()); \
  lhs = std::move(*tmp)
