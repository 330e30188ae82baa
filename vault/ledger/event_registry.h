// The registry of ledger event kinds: one entry per field of format::Event's
// `kind` oneof, giving its name, where FORMAT.md states its rules, and the
// function that checks and applies it (events/events.h states that
// function's contract).
//
// VaultState::Apply finds an event's rules here; a kind without an entry is
// rejected as "unknown event kind". tests/vault/ledger/event_registry_test.cc
// walks the oneof through the protobuf descriptor and fails if a field has
// no entry, or an entry no field. To add a kind: the proto field, its file
// under events/, its function in events/events.h, its line in
// event_registry.cc, its rule in FORMAT.md.
//
// The table is immutable static data: safe to read from any thread; the
// pointers and views returned stay valid for the life of the program.
#pragma once

#include <span>
#include <string_view>

#include "format/custody.pb.h"
#include "vault/ledger/events/events.h"

namespace custody::vault {

struct EventKind {
  format::Event::KindCase kind;
  std::string_view name;   // the oneof field's name in format/custody.proto
  std::string_view rules;  // FORMAT.md sections and rule ids, e.g. "§3.8, §5.4 R26"
  ApplyEventFn apply;
  // An authority event changes who may do what (roster, roles, clearances,
  // key slots, epochs): it is on the authority chain (FORMAT.md §3.14).
  bool authority;
};

// Every registered kind, in field-number order.
std::span<const EventKind> EventKinds();

// The entry for `kind`; nullptr for KIND_NOT_SET and for any kind without one.
const EventKind* FindEventKind(format::Event::KindCase kind);

// True if `kind` is registered as an authority kind.
bool IsAuthorityKind(format::Event::KindCase kind);

}  // namespace custody::vault
