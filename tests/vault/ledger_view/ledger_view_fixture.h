// A vault with a known history at known times, shared by the ledger_view
// tests: an officer (Olga), a staff member (Sam, confidential) and a second
// officer with a Chinese name (王芳, secret), documents and copies over two
// UTC years. Catch2 only.
#pragma once

#include <string>
#include <vector>

#include "format/record.h"
#include "tests/testutil/vault_fixture.h"
#include "vault/storage/container.h"
#include "vault/ledger_view/ledger_view.h"

namespace custody::testutil {

// 2025-06-01T00:00:00Z, 2025-12-31T23:00:00Z, 2026-01-01T00:00:00Z,
// 2026-02-01T00:00:00Z, 2026-03-01T00:00:00Z.
inline constexpr int64_t kJune2025 = 1748736000;
inline constexpr int64_t kLastHour2025 = 1767222000;
inline constexpr int64_t kNewYear2026 = 1767225600;
inline constexpr int64_t kFeb2026 = 1769904000;
inline constexpr int64_t kMarch2026 = 1772323200;

struct HistoryFixture : Fixture {
  HistoryFixture() : Fixture(kJune2025) {
    sam = vault::Identity::Generate("Staff Sam");
    fang = vault::Identity::Generate("王芳");
    auto v = OpenWrite(path, &clock);
    REQUIRE(v->Grant(*officer, sam->public_identity(), vault::Role::kStaff, *v->LevelIndex("confidential")));
    REQUIRE(v->Grant(*officer, fang->public_identity(), vault::Role::kOfficer, *v->LevelIndex("secret")));
    // 2025: two secret documents, one confidential; three copies of the
    // first secret one, one returned; the confidential one extracted and
    // destroyed.
    auto s = v->Add(*officer, {File(Input("a.txt", "alpha"), "TITLE-SECRET-ALPHA"),
                               File(Input("b.txt", "bravo"), "TITLE-SECRET-BRAVO")},
                    *v->LevelIndex("secret"));
    REQUIRE(s);
    secret = *s;
    auto c = v->Add(*officer, {File(Input("c.txt", "charlie"), "TITLE-CONF-CHARLIE")},
                    *v->LevelIndex("confidential"));
    REQUIRE(c);
    conf = c->at(0);
    REQUIRE(v->IssueCopies(*officer, Copy(secret[0], 3, 0, "c1")));
    clock.Advance(3600);
    REQUIRE(v->ReturnCopy(*officer, secret[0], 1, ""));
    REQUIRE(v->Extract(*sam, To(conf, dir / "x.txt")));
    REQUIRE(v->Destroy(*officer, *fang, conf, "superseded"));
    // The last hour of 2025 still counts for 2025.
    clock.Set(kLastHour2025);
    REQUIRE(v->Add(*officer, {File(Input("d.txt", "delta"), "TITLE-INTERNAL-DELTA")},
                   *v->LevelIndex("internal")));
    // 2026: a copy of 2025 returned, a new copy due back 2026-02-01 and
    // not returned, one internal document.
    clock.Set(kNewYear2026);
    REQUIRE(v->ReturnCopy(*fang, secret[0], 2, ""));
    REQUIRE(v->IssueCopies(*fang, Copy(secret[1], 1, kFeb2026, "c2")));
    clock.Set(kMarch2026);
    REQUIRE(v->Add(*sam, {File(Input("e.txt", "echo"), "TITLE-INTERNAL-ECHO")}, *v->LevelIndex("internal")));
  }

  vault::CopyRequest Copy(const std::string& reg, uint32_t n, int64_t return_by, const std::string& out) {
    vault::CopyRequest r;
    r.reg_no = reg;
    r.recipient = officer->public_identity();
    r.copies = n;
    r.scope = "Ops room";
    r.purpose = "PURPOSE-" + out;
    r.return_by_unix = return_by;
    r.out_path = dir / out;
    return r;
  }

  std::unique_ptr<vault::Vault> OpenRead() const {
    auto v = vault::Vault::Open(path, vault::Vault::Access::kRead);
    if (!v) FAIL("open failed: " << v.error().message);
    return std::move(*v);
  }

  std::unique_ptr<vault::Identity> sam, fang;
  std::vector<std::string> secret;
  std::string conf;
};

// What someone who can rewrite the file can do without any key: change
// the text of the first event holding `from` (same length) and recompute
// its record checksum. The events lie before the signed checkpoint, so
// Open does not read them.
inline void RewriteEventText(const HistoryFixture& f, const std::string& from, const std::string& to) {
  REQUIRE(from.size() == to.size());
  uint64_t at = 0;
  std::string payload;
  {
    auto v = f.OpenRead();
    REQUIRE(v->TEST_container().Scan(8192, [&](const vault::RecordRef& ref) -> Result<bool> {
      if (ref.header.type != format::RecordType::kEvent) return true;
      CUSTODY_ASSIGN(std::string p, v->TEST_container().ReadPayload(ref));
      if (p.find(from) == std::string::npos) return true;
      at = ref.offset;
      payload = p;
      return false;
    }));
  }
  REQUIRE(at != 0);
  payload.replace(payload.find(from), from.size(), to);
  PatchFile(f.path, at, format::EncodeRecord(format::RecordType::kEvent, payload, at));
}

inline std::vector<vault::LogEntry> AllEntries(const vault::Vault& v, const vault::LogFilter& f = {}) {
  std::vector<vault::LogEntry> out;
  auto s = vault::ForEachLogEntry(v, f, [&](vault::LogEntry&& e) -> Status {
    out.push_back(std::move(e));
    return {};
  });
  if (!s) FAIL("log failed: " << s.error().message);
  return out;
}

}  // namespace custody::testutil
