// Test-only: encrypts and decrypts stdin to stdout through crypto/age.h, so
// that tests/crypto/age_interop_test.sh can pit the library against the stock
// age binary. Not installed, not a user tool (the custody CLI has no age
// command yet).
//
//   age_tool encrypt [-a] -r age1... [-r ...]        < plaintext  > file.age
//   age_tool encrypt [-a] --passphrase-file F [--work-factor N]
//   age_tool decrypt -i IDENTITY_FILE [-i ...] [--passphrase-file F]
//
// IDENTITY_FILE is what age-keygen writes ('#' comments, one
// AGE-SECRET-KEY-1... per line). Errors go to stderr as "age_tool: error:
// ..." with the exit code of the error's Code (5 integrity, 3 no match, ...).
// decrypt writes each chunk as soon as it is authenticated, so on a payload
// error stdout holds a verified prefix and the exit code says it is not all.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "crypto/age.h"
#include "crypto/hardening.h"
#include "crypto/secret_bytes.h"

namespace crypto = custody::crypto;
using custody::Code;
using custody::Result;
using custody::Status;

namespace {

class FdSource final : public crypto::AgeSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    while (true) {
      ssize_t n = ::read(fd_, out.data(), out.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return custody::Fail(Code::kIo, std::string("read: ") + std::strerror(errno));
    }
  }

 private:
  int fd_;
};

class FdSink final : public crypto::AgeSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  Status Write(std::span<const uint8_t> bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return custody::Fail(Code::kIo, std::string("write: ") + std::strerror(errno));
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return {};
  }

 private:
  int fd_;
};

int Die(const custody::Error& error) {
  std::cerr << "age_tool: error: " << error.message << "\n";
  return static_cast<int>(error.code);
}

int Usage() {
  std::cerr << "usage: age_tool encrypt [-a] (-r RECIPIENT... | --passphrase-file F [--work-factor N])\n"
               "       age_tool decrypt (-i IDENTITY_FILE... | --passphrase-file F)\n";
  return 2;
}

// The whole file in secret memory; the std::string copy is wiped.
Result<crypto::SecretBytes> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return custody::Fail(Code::kNotFound, "cannot open " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto secret = crypto::SecretBytes::CopyOf(
      {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  crypto::Wipe(text.data(), text.size());
  return secret;
}

std::string_view View(const crypto::SecretBytes& s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

// The first line of a passphrase file, as custody's --passphrase-file reads it.
Result<crypto::SecretBytes> ReadPassphrase(const std::string& path) {
  CUSTODY_ASSIGN(auto all, ReadSecretFile(path));
  std::string_view text = View(all);
  text = text.substr(0, text.find('\n'));
  return crypto::SecretBytes::CopyOf({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

Result<std::vector<crypto::AgeX25519Identity>> ReadIdentities(const std::string& path) {
  CUSTODY_ASSIGN(auto all, ReadSecretFile(path));
  std::vector<crypto::AgeX25519Identity> out;
  std::string_view text = View(all);
  while (!text.empty()) {
    std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(std::min(text.size(), line.size() + 1));
    if (line.empty() || line[0] == '#') continue;
    CUSTODY_ASSIGN(auto id, crypto::AgeX25519Identity::Parse(line));
    out.push_back(std::move(id));
  }
  if (out.empty()) return custody::Fail(Code::kUsage, "no identity in " + path);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !crypto::InitializeProcess()) return Usage();
  const std::string command = argv[1];
  std::vector<std::string> recipients, identity_files;
  std::string passphrase_file;
  int work_factor = crypto::kAgeDefaultScryptWorkFactor;
  bool armor = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "-a") armor = true;
    else if (arg == "-r" && has_value) recipients.push_back(argv[++i]);
    else if (arg == "-i" && has_value) identity_files.push_back(argv[++i]);
    else if (arg == "--passphrase-file" && has_value) passphrase_file = argv[++i];
    else if (arg == "--work-factor" && has_value) work_factor = std::stoi(argv[++i]);
    else return Usage();
  }
  FdSource in(0);
  FdSink out(1);

  if (command == "encrypt") {
    std::vector<std::unique_ptr<crypto::AgeRecipient>> owned;
    for (const auto& r : recipients) {
      auto parsed = crypto::AgeX25519Recipient::Parse(r);
      if (!parsed) return Die(parsed.error());
      owned.push_back(std::make_unique<crypto::AgeX25519Recipient>(*parsed));
    }
    if (!passphrase_file.empty()) {
      auto pass = ReadPassphrase(passphrase_file);
      if (!pass) return Die(pass.error());
      if (work_factor < 1 || work_factor > crypto::kAgeMaxScryptWorkFactor) return Usage();
      owned.push_back(std::make_unique<crypto::AgeScryptRecipient>(std::move(*pass), work_factor));
    }
    std::vector<const crypto::AgeRecipient*> list;
    for (const auto& r : owned) list.push_back(r.get());
    auto writer = crypto::AgeWriter::Create(out, list, {.armor = armor});
    if (!writer) return Die(writer.error());
    std::vector<uint8_t> buf(100000);  // deliberately not a multiple of 64 KiB
    while (true) {
      auto n = in.Read(buf);
      if (!n) return Die(n.error());
      if (*n == 0) break;
      if (auto s = (*writer)->Write(std::span(buf).first(*n)); !s) return Die(s.error());
    }
    if (auto s = (*writer)->Finish(); !s) return Die(s.error());
    return 0;
  }

  if (command == "decrypt") {
    std::vector<std::unique_ptr<crypto::AgeIdentity>> owned;
    for (const auto& path : identity_files) {
      auto ids = ReadIdentities(path);
      if (!ids) return Die(ids.error());
      for (auto& id : *ids) owned.push_back(std::make_unique<crypto::AgeX25519Identity>(std::move(id)));
    }
    if (!passphrase_file.empty()) {
      auto pass = ReadPassphrase(passphrase_file);
      if (!pass) return Die(pass.error());
      owned.push_back(std::make_unique<crypto::AgeScryptIdentity>(std::move(*pass)));
    }
    std::vector<const crypto::AgeIdentity*> list;
    for (const auto& id : owned) list.push_back(id.get());
    auto reader = crypto::AgeReader::Open(in, list);
    if (!reader) return Die(reader.error());
    while (true) {
      auto chunk = (*reader)->Next();
      if (!chunk) return Die(chunk.error());
      if (chunk->empty()) return 0;
      if (auto s = out.Write(*chunk); !s) return Die(s.error());
    }
  }
  return Usage();
}
