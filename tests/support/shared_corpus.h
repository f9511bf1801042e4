#pragma once
// Where the tests find the shared corpus of public SIP captures (../shared/corpus, with tshark's
// statistics for each): beside the checkout, else /work/shared/corpus, where the end-to-end tests
// look too, so that a clone elsewhere (the fresh-clone runs) still runs the corpus checks.
#include <filesystem>

namespace sipmon::test {

// The first of the two places holding the corpus (its INDEX.tsv); the one beside the checkout when
// neither does, so that a test's "missing" message names it.
inline std::filesystem::path shared_corpus_dir() {
  const std::filesystem::path beside = std::filesystem::path(SIPMON_SOURCE_DIR) / ".." / "shared" / "corpus";
  for (const std::filesystem::path& dir : {beside, std::filesystem::path("/work/shared/corpus")}) {
    if (std::filesystem::exists(dir / "INDEX.tsv")) return dir;
  }
  return beside;
}

}  // namespace sipmon::test
