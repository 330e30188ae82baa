// custody log — the ledger, one line per event; needs no identity. With
// --as, the titles of the documents that identity may read are added.
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "base/json.h"
#include "base/utf8.h"
#include "tools/custody/cli.h"
#include "vault/ledger_view/ledger_view.h"

namespace custody::cli {

namespace {

// Free text from the ledger (written by members) goes to a terminal
// escaped (base/utf8.h): no control or bidirectional characters.
std::string Printable(const std::string& s) { return EscapeForTerminal(s); }

std::string PartyText(const vault::LogParty& p) { return Printable(p.name) + " [" + p.fingerprint + "]"; }

std::string JsonKey(std::string k) {
  for (char& c : k)
    if (c == ' ') c = '_';
  return k;
}

Json PartyJson(const vault::LogParty& p) {
  Json j = Json::object();
  j["name"] = p.name;
  j["fingerprint"] = p.fingerprint;
  return j;
}

std::string LogTextLine(const vault::LogEntry& e) {
  std::ostringstream out;
  out << IsoTime(e.time_unix) << "  #" << std::left << std::setw(6) << e.sequence << std::setw(14) << e.act
      << " " << std::setw(18) << (e.number.empty() ? "-" : Printable(e.number)) << " by "
      << PartyText(e.actor);
  for (const auto& [role, p] : e.others) out << "  " << role << " " << PartyText(p);
  std::string details;
  if (!e.level.empty()) details = "level " + Printable(e.level);
  for (const auto& [k, v] : e.details) details += (details.empty() ? "" : "; ") + k + " " + Printable(v);
  if (!details.empty()) out << "  (" << details << ")";
  if (!e.title.empty()) out << "  title \"" << Printable(e.title) << "\"";
  out << "\n";
  return out.str();
}

std::string LogJsonLine(const vault::LogEntry& e) {
  Json j = Json::object();
  j["sequence"] = e.sequence;
  j["time"] = IsoTime(e.time_unix);
  j["kind"] = e.kind;
  j["act"] = e.act;
  if (!e.number.empty()) j["number"] = e.number;
  if (!e.reg_no.empty()) j["reg_no"] = e.reg_no;
  if (!e.level.empty()) j["level"] = e.level;
  j["actor"] = PartyJson(e.actor);
  for (const auto& [role, p] : e.others) j[role] = PartyJson(p);
  for (const auto& [k, v] : e.details) {
    // The counts among the details are numbers (docs/JSON.md).
    if (k == "documents kept" || k == "v1 events") j[JsonKey(k)] = std::stoull(v);
    else j[JsonKey(k)] = v;
  }
  if (!e.title.empty()) j["title"] = e.title;
  return WriteJson(j) + "\n";
}

}  // namespace

void RegisterLogCommand(CLI::App& app) {
  struct Opts { std::string vault, reg, since, as, passphrase_file, expect; bool json = false; };
  auto o = std::make_shared<Opts>();
  auto* log = app.add_subcommand(
      "log", "Show the ledger, one line per event: time, act, registration or copy number, who "
             "signed it, witness or recipient, purpose/reason/scope — never a title. Needs no "
             "identity; the whole chain is verified against the signed checkpoint and the "
             "committed head before anything is printed (exit 5 if it does not verify).");
  log->add_option("VAULT", o->vault)->required();
  log->add_option("--reg", o->reg, "Only events about this document (and its copies), or one copy REG/N");
  log->add_option("--since", o->since, "Only events at or after this UTC time: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
  log->add_flag("--json", o->json, "JSON Lines: one object per event (`jq -s` makes an array)");
  log->add_option("-i,--as", o->as, "Identity file: add the titles of the documents it may read");
  log->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from FILE");
  AddExpectOption(log, o->expect, "refuse (exit 5, nothing printed)");
  SetBody(log, [o] {
    vault::LogFilter filter;
    filter.reg = o->reg;
    if (!o->since.empty()) {
      auto since = vault::ParseUtcTime(o->since);
      if (!since) return Report(since.error().With("--since"));
      filter.since_unix = *since;
    }
    auto anchor = ParseExpect(o->expect);
    if (!anchor) return Report(anchor.error());
    filter.expect = *anchor;
    auto v = OpenVault(o->vault, vault::Vault::Access::kRead);
    if (!v) return Report(v.error());
    std::map<std::string, std::string> titles;
    if (!o->as.empty()) {
      auto id = UnlockIdentity(o->as, o->passphrase_file);
      if (!id) return Report(id.error());
      auto t = vault::TitlesFor(**v, **id);
      if (!t) return Report(t.error());
      titles = std::move(*t);
    }
    // Nothing is printed until the walk has verified the whole chain
    // (ForEachVerifiedEvent), but the lines are then streamed.
    uint64_t shown = 0;
    auto walked = vault::ForEachLogEntry(**v, filter, [&](vault::LogEntry&& e) -> Status {
      if (!e.reg_no.empty()) {
        auto it = titles.find(e.reg_no);
        if (it != titles.end()) e.title = it->second;
      }
      if (shown == 0 && !o->json)
        std::cout << "ledger of vault " << (*v)->id_hex() << ", verified to anchor " << (*v)->event_count()
                  << ":" << (*v)->ledger_head_hex() << "\n";
      std::cout << (o->json ? LogJsonLine(e) : LogTextLine(e));
      ++shown;
      return {};
    });
    std::cout.flush();
    if (!walked) return Report(walked.error());
    if (!o->reg.empty() && shown == 0)
      return Report(Error{Code::kNotFound, "no event of vault " + o->vault + " names " + o->reg +
                                               (o->since.empty() ? "" : " since " + o->since)});
    return 0;
  });
}

}  // namespace custody::cli
