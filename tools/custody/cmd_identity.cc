// custody id new | id public
#include <iostream>

#include "tools/custody/cli.h"

namespace custody::cli {

void RegisterIdentityCommands(CLI::App& app) {
  auto* id = app.add_subcommand("id", "Create and show identities (X25519 + Ed25519 keys in a "
                                      "passphrase-encrypted file)");
  id->require_subcommand(1);

  struct NewOpts { std::string out, name, kdf = "moderate", passphrase_file; };
  auto o = std::make_shared<NewOpts>();
  auto* nw = id->add_subcommand("new", "Generate a new identity file.");
  nw->add_option("-o,--out", o->out, "Identity file to create (refuses to overwrite)")->required();
  nw->add_option("--name", o->name, "Display name (UTF-8, any script)")->required();
  nw->add_option("--kdf", o->kdf, "Argon2id cost: interactive, moderate (default) or sensitive")
      ->check(CLI::IsMember({"interactive", "moderate", "sensitive"}));
  nw->add_option("--passphrase-file", o->passphrase_file,
                 "Read the new passphrase from the first line of FILE instead of the terminal");
  SetBody(nw, [o] {
    auto profile = o->kdf == "interactive" ? crypto::KdfProfile::kInteractive
                   : o->kdf == "sensitive" ? crypto::KdfProfile::kSensitive
                                           : crypto::KdfProfile::kModerate;
    auto pass = ReadPassphrase(o->passphrase_file, "New passphrase for " + o->out, true);
    if (!pass) return Report(pass.error());
    auto ident = vault::Identity::Generate(o->name);
    if (auto s = ident->Save(o->out, *pass, profile); !s) return Report(s.error());
    std::cout << ident->public_identity().ToLine() << "\n";
    return 0;
  });

  auto file = std::make_shared<std::string>();
  auto* pub = id->add_subcommand("public", "Print the public identity line of an identity file "
                                           "(no passphrase needed).");
  pub->add_option("FILE", *file, "Identity file")->required();
  SetBody(pub, [file] {
    // The public keys are stored in clear beside the sealed secrets, so no
    // passphrase is needed; they are bound to the secrets by the AEAD.
    auto line = vault::PublicIdentity::ReadFromIdentityFile(*file);
    if (!line) return Report(line.error());
    std::cout << line->ToLine() << "\n";
    return 0;
  });

  RegisterExportAge(*id);
}

}  // namespace custody::cli
