// Message counts by method and status code agree with tshark's `-z sip,stat` on every capture of
// the shared corpus that is plain SIP over UDP (no TCP, tunnels, ICMP-quoted SIP or IP fragments:
// those depend on decoders beyond the parser). The oracle is the committed <file>.sipstat.txt.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/engine.h"
#include "outputs/report_names.h"
#include "sources/pcap_file_source.h"
#include "support/catch_session.h"
#include "support/shared_corpus.h"

using namespace sipmon;

namespace {

using Counts = std::map<std::string, std::uint64_t>;

std::filesystem::path corpus_dir() { return test::shared_corpus_dir(); }

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, sep)) out.push_back(field);
  return out;
}

// Files whose SIP is all plain UDP, unfragmented, per INDEX.tsv.
std::vector<std::string> plain_udp_captures() {
  std::ifstream index(corpus_dir() / "INDEX.tsv");
  std::string line;
  std::getline(index, line);
  const auto header = split(line, '\t');
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t file = column("file"), transports = column("transports"), fragments = column("fragments"),
                    rc = column("tshark_rc");
  std::vector<std::string> files;
  while (std::getline(index, line)) {
    const auto fields = split(line, '\t');
    if (fields.size() <= std::max({file, transports, fragments, rc})) continue;
    if (!std::regex_match(fields[transports], std::regex("udp:[0-9]+"))) continue;
    if (fields[fragments] != "0" || fields[rc] != "0") continue;
    files.push_back(fields[file]);
  }
  return files;
}

void parse_sipstat(const std::filesystem::path& path, Counts& requests, Counts& responses) {
  std::ifstream in(path);
  std::string line;
  const std::regex code(R"(^\s+SIP (\d+) .*:\s+(\d+) Packets)");
  const std::regex method(R"(^\s+(\S+)\s+:\s+(\d+) Packets)");
  bool in_methods = false;
  while (std::getline(in, line)) {
    if (line.find("Request methods") != std::string::npos) in_methods = true;
    std::smatch m;
    if (!in_methods && std::regex_search(line, m, code)) {
      responses[m[1]] += std::stoull(m[2]);
    } else if (in_methods && std::regex_search(line, m, method)) {
      requests[m[1]] += std::stoull(m[2]);
    }
  }
}

}  // namespace

TEST_CASE("message counts agree with tshark sip,stat on every plain-UDP corpus capture", "[sip_parser][corpus]") {
  if (!std::filesystem::exists(corpus_dir() / "INDEX.tsv")) {
    test::skip("the shared corpus (../shared/corpus) is missing");
    return;
  }
  const auto files = plain_udp_captures();
  REQUIRE(files.size() >= 20);
  for (const std::string& name : files) {
    INFO(name);
    Counts requests, responses;
    parse_sipstat(corpus_dir() / (name + ".sipstat.txt"), requests, responses);
    auto source = PcapFileSource::open({(corpus_dir() / name).string()});
    REQUIRE(source.has_value());
    Engine engine;
    source->run(engine);
    const Report report = engine.report();
    CHECK(requests_by_name(report.requests) == requests);
    CHECK(responses_by_code_name(report.responses) == responses);
  }
}
