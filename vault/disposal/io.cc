#include "vault/disposal/io.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "base/env.h"

namespace custody::vault::disposal {

AlignedBuffer::AlignedBuffer(size_t size) : size_(size) {
  void* p = nullptr;
  if (posix_memalign(&p, kDirectAlignment, size == 0 ? kDirectAlignment : size) != 0)
    std::abort();
  std::memset(p, 0, size);
  data_.reset(static_cast<uint8_t*>(p));
}

void AlignedBuffer::Free::operator()(uint8_t* p) const { std::free(p); }

Status CommitNewFile(AtomicFile& out) {
  auto s = out.Commit(/*replace=*/false);
  // An existing destination is exit 1 in every command (README "Exit
  // codes"), the same answer as wipe's up-front check gives, with the
  // message saying so.
  if (!s && !out.published() && ::access(out.dest().c_str(), F_OK) == 0)
    return Fail(Code::kIo, out.dest() + " already exists; not overwriting it");
  return s;
}

Status WriteNewFileDurably(const std::string& path, std::string_view bytes) {
  CUSTODY_ASSIGN(auto out, AtomicFile::Create(DefaultEnv(), path, kCertificateFileMode));
  CUSTODY_TRY(out->file()->WriteAt(
      0, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
  return CommitNewFile(*out);
}

}  // namespace custody::vault::disposal
