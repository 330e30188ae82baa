// The registry must have exactly one entry per field of format::Event's
// `kind` oneof: a kind added to the proto without rules fails here, not in
// the field (where Apply would reject it as "unknown event kind").
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <google/protobuf/descriptor.h>

#include "format/custody.pb.h"
#include "vault/ledger/event_registry.h"

namespace custody::vault {
namespace {

const google::protobuf::OneofDescriptor* KindOneof() {
  return format::Event::descriptor()->FindOneofByName("kind");
}

TEST_CASE("ledger/EveryEventKindHasARegistryEntry", "[ledger][registry]") {
  const auto* oneof = KindOneof();
  REQUIRE(oneof != nullptr);
  REQUIRE(oneof->field_count() > 0);
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto* field = oneof->field(i);
    // The generated KindCase values are the oneof's field numbers.
    auto kind = static_cast<format::Event::KindCase>(field->number());
    INFO("format::Event." << field->name() << " (#" << field->number() << ")");
    const EventKind* entry = FindEventKind(kind);
    CHECK(entry != nullptr);
    if (entry == nullptr) continue;
    CHECK(entry->name == field->name());
    CHECK(entry->apply != nullptr);
    CHECK_FALSE(entry->rules.empty());
  }
}

TEST_CASE("ledger/EveryRegistryEntryIsAnEventKind", "[ledger][registry]") {
  const auto* oneof = KindOneof();
  REQUIRE(oneof != nullptr);
  std::set<int> numbers;
  for (const EventKind& entry : EventKinds()) {
    INFO("registry entry " << entry.name << " (#" << static_cast<int>(entry.kind) << ")");
    CHECK(numbers.insert(static_cast<int>(entry.kind)).second);  // no kind twice
    const auto* field = format::Event::descriptor()->FindFieldByNumber(static_cast<int>(entry.kind));
    REQUIRE(field != nullptr);
    CHECK(field->containing_oneof() == oneof);
    CHECK(FindEventKind(entry.kind) == &entry);
  }
  CHECK(FindEventKind(format::Event::KIND_NOT_SET) == nullptr);
}

}  // namespace
}  // namespace custody::vault
