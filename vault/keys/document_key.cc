#include "vault/keys/document_key.h"

#include "crypto/aead.h"
#include "format/constants.h"
#include "format/endian.h"

namespace custody::vault {

namespace {

std::string Ad(std::string_view domain, const KeyRecordContext& ctx) {
  std::string ad(domain);
  ad += ctx.vault_id;
  ad += ctx.doc_id;
  format::PutLe32(ad, ctx.level);
  format::PutLe32(ad, ctx.epoch);
  return ad;
}

std::string_view AsChars(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

format::WrappedDocumentKey Seal(std::span<const uint8_t> level_key, const KeyRecordContext& ctx,
                                std::span<const uint8_t> data_key, std::string_view metadata) {
  format::WrappedDocumentKey wrap;
  wrap.set_doc_id(ctx.doc_id);
  wrap.set_level(ctx.level);
  wrap.set_epoch(ctx.epoch);
  wrap.set_wrapped_key(crypto::AeadSealString(level_key, AsChars(data_key), Ad(format::kAdWrap, ctx)));
  wrap.set_sealed_metadata(crypto::AeadSealString(level_key, metadata, Ad(format::kAdMetadata, ctx)));
  return wrap;
}

}  // namespace

format::WrappedDocumentKey WrapDocumentKey(std::span<const uint8_t> level_key,
                                           const KeyRecordContext& ctx,
                                           std::span<const uint8_t> data_key,
                                           const format::DocumentMetadata& metadata) {
  return Seal(level_key, ctx, data_key, metadata.SerializeAsString());
}

KeyRecordContext ContextOf(const std::string& vault_id, const format::WrappedDocumentKey& wrap) {
  return {vault_id, wrap.doc_id(), wrap.level(), wrap.epoch()};
}

Result<crypto::SecretBytes> UnwrapDataKey(std::span<const uint8_t> level_key,
                                          const std::string& vault_id,
                                          const format::WrappedDocumentKey& wrap) {
  return crypto::AeadOpenSecret(level_key, wrap.wrapped_key(),
                                Ad(format::kAdWrap, ContextOf(vault_id, wrap)));
}

Result<format::DocumentMetadata> OpenMetadata(std::span<const uint8_t> level_key,
                                              const std::string& vault_id,
                                              const format::WrappedDocumentKey& wrap) {
  auto bytes = crypto::AeadOpenString(level_key, wrap.sealed_metadata(),
                                      Ad(format::kAdMetadata, ContextOf(vault_id, wrap)));
  format::DocumentMetadata meta;
  if (!bytes || !meta.ParseFromString(*bytes)) return Fail(Code::kCorrupt, "metadata is damaged");
  return meta;
}

}  // namespace custody::vault
