// capture_stream: plain, gzip and zstd inputs give the same bytes; damage is an error with its
// cause, never a silent short read. Compressed files are made by the gzip and zstd programs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sources/capture_stream.h"
#include "support/catch_session.h"

using namespace sipmon;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sipmon-capture-stream.XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::vector<char> some_bytes(std::size_t size) {
  std::vector<char> bytes(size);
  std::uint32_t x = 12345;
  for (char& b : bytes) {
    x = x * 1103515245 + 12345;
    b = static_cast<char>((x >> 16) % 7);  // compressible, not trivial
  }
  return bytes;
}

void write(const std::filesystem::path& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<char> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

// Everything the stream yields, and whether it ended in an error.
std::pair<std::vector<char>, bool> drain(FILE* file) {
  std::vector<char> out;
  char buffer[1000];  // odd size: reads straddle the decompressor's chunks
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) out.insert(out.end(), buffer, buffer + n);
  const bool error = std::ferror(file) != 0;
  std::fclose(file);
  return {out, error};
}

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TEST_CASE("plain, gzip and zstd files give the same bytes, and count the bytes read", "[capture-stream]") {
  if (!have("gzip") || !have("zstd")) {
    test::skip("gzip or zstd is not installed");
    return;
  }
  TempDir dir;
  const std::vector<char> bytes = some_bytes(600'000);
  write(dir.path / "plain", bytes);
  REQUIRE(std::system(("gzip -c " + (dir.path / "plain").string() + " > " + (dir.path / "x.gz").string()).c_str()) ==
          0);
  REQUIRE(std::system(
              ("zstd -q -c " + (dir.path / "plain").string() + " > " + (dir.path / "x.zst").string()).c_str()) == 0);
  for (const auto& [name, compression] :
       {std::pair{"plain", CaptureCompression::none}, std::pair{"x.gz", CaptureCompression::gzip},
        std::pair{"x.zst", CaptureCompression::zstd}}) {
    INFO(name);
    auto stream = open_capture_stream(dir.path / name);
    REQUIRE(stream);
    CHECK(stream->state->compression == compression);
    const auto [out, error] = drain(stream->file);
    CHECK_FALSE(error);
    CHECK(out == bytes);
    const auto size = std::filesystem::file_size(dir.path / name);
    CHECK(stream->state->raw_size == size);
    CHECK(stream->state->raw_bytes_read == size);
    // The first raw bytes stay readable after the stream started, without opening the file again.
    const std::vector<char> raw = read_file(dir.path / name);
    REQUIRE(stream->state->leading_size == 4);
    CHECK(std::equal(stream->state->leading_bytes.begin(), stream->state->leading_bytes.end(), raw.begin(),
                     [](unsigned char a, char b) { return a == static_cast<unsigned char>(b); }));
  }
}

TEST_CASE("gzip members and zstd frames concatenated read as one stream", "[capture-stream]") {
  if (!have("gzip") || !have("zstd")) {
    test::skip("gzip or zstd is not installed");
    return;
  }
  TempDir dir;
  const std::vector<char> first = some_bytes(70'000), second = some_bytes(50'000);
  write(dir.path / "a", first);
  write(dir.path / "b", second);
  const std::string a = (dir.path / "a").string(), b = (dir.path / "b").string();
  REQUIRE(std::system(("gzip -c " + a + " > " + a + ".gz; gzip -c " + b + " >> " + a + ".gz").c_str()) == 0);
  REQUIRE(std::system(("zstd -q -c " + a + " > " + a + ".zst; zstd -q -c " + b + " >> " + a + ".zst").c_str()) == 0);
  std::vector<char> both = first;
  both.insert(both.end(), second.begin(), second.end());
  for (const char* suffix : {".gz", ".zst"}) {
    INFO(suffix);
    auto stream = open_capture_stream(a + suffix);
    REQUIRE(stream);
    const auto [out, error] = drain(stream->file);
    CHECK_FALSE(error);
    CHECK(out == both);
  }
}

TEST_CASE("a cut or corrupt compressed file ends in an error that says why", "[capture-stream]") {
  if (!have("gzip") || !have("zstd")) {
    test::skip("gzip or zstd is not installed");
    return;
  }
  TempDir dir;
  const std::vector<char> bytes = some_bytes(300'000);
  write(dir.path / "plain", bytes);
  const std::string plain = (dir.path / "plain").string();
  REQUIRE(std::system(
              ("gzip -c " + plain + " > " + plain + ".gz; zstd -q -c " + plain + " > " + plain + ".zst").c_str()) == 0);
  for (const auto& [suffix, cut_message] :
       {std::pair{".gz", "gzip stream cut short"}, std::pair{".zst", "zstd stream cut short"}}) {
    INFO(suffix);
    std::vector<char> compressed = read_file(plain + suffix);
    compressed.resize(compressed.size() - 10);  // the end is missing
    write(dir.path / "cut", compressed);
    auto cut = open_capture_stream(dir.path / "cut");
    REQUIRE(cut);
    const auto [out, error] = drain(cut->file);
    CHECK(error);
    CHECK(out.size() < bytes.size());
    CHECK(cut->state->error == cut_message);
  }
  std::vector<char> corrupt = read_file(plain + ".gz");
  corrupt[corrupt.size() / 2] ^= 0x55;
  write(dir.path / "corrupt", corrupt);
  auto stream = open_capture_stream(dir.path / "corrupt");
  REQUIRE(stream);
  const auto [out, error] = drain(stream->file);
  CHECK(error);
  CHECK_THAT(stream->state->error, Catch::StartsWith("corrupt gzip data"));
}

TEST_CASE("a missing file or a directory is refused with the path and the cause", "[capture-stream]") {
  TempDir dir;
  auto missing = open_capture_stream(dir.path / "nothing-here");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("nothing-here: cannot open: No such file or directory"));
  auto directory = open_capture_stream(dir.path);
  REQUIRE_FALSE(directory);
  CHECK_THAT(directory.error().message, Catch::Contains("Is a directory"));
}
