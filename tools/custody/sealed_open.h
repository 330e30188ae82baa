// `custody open`: a sealed copy (a standard age file to the recipient's
// X25519 key, FORMAT.md §3.17) decrypted with the recipient's identity and
// checked against the signed marking beside it (COPY.marking).
#pragma once

#include <string>

#include "base/status.h"
#include "vault/identity/identity.h"

namespace custody::cli {

// Verifies COPY.marking (its signature, and that it is addressed to `id`),
// prints its banner on stderr, then decrypts `copy` to `out_path` ("-" for
// standard output). The marking records the BLAKE2b-256 of the age file;
// the hash compared with it is always of exactly the bytes that were parsed
// and decrypted (one open file, read in order), so a file rewritten or
// swapped while it is read cannot pass with bytes other than those opened.
//
//  * To a file: refused if `out_path` exists. One pass over the copy: each
//    block is read once, hashed in file order on a thread of its own and
//    decrypted on the pipeline's workers (the plaintext in locked memory),
//    written to a temporary file beside `out_path` (base/atomic_file.h) that
//    is synced and renamed into place only once the last age chunk
//    authenticated AND the whole file's hash matched the marking. On any
//    failure the temporary file is removed and nothing is at `out_path`.
//  * To stdout, where plaintext cannot be taken back: the whole file is
//    hashed first and nothing is written unless it matches; it is then
//    decrypted as it is read a second time, that pass hashed as well, so a
//    file changed between the passes still fails (at the end, after some
//    plaintext was written). A chunk is released only once the next one (or
//    the verified end) has been read, so a truncated copy writes nothing of
//    its end. On any error, treat what was written as void.
//
// Errors: kCorrupt (exit 5) for a marking that does not verify, a file that
// does not match it, a bad header MAC or chunk, a truncated file; kAuth for
// a copy addressed to someone else; kNotFound, kIo.
Status OpenSealedCopy(const std::string& copy, const vault::Identity& id,
                      const std::string& out_path);

}  // namespace custody::cli
