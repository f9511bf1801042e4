#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli/engine_options.h"
#include "cli/live_command.h"
#include "cli/replay_pipeline.h"

using namespace sipmon;

namespace {

// Parses `args` (without the program name) on a command that has only the table options.
EngineConfig parsed_config(std::vector<std::string> args) {
  CLI::App app{"test"};
  EngineTableOptions options;
  add_engine_table_options(app, options);
  std::vector<const char*> argv{"sipmon"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  EngineConfig config;
  apply_engine_table_options(options, config);
  return config;
}

}  // namespace

TEST_CASE("without table options the engine keeps its own defaults", "[engine-options]") {
  const EngineConfig config = parsed_config({});
  const CallTrackerConfig calls{};
  CHECK(config.calls.max_dialogs == calls.max_dialogs);
  CHECK(config.calls.max_session_attempts == calls.max_session_attempts);
  CHECK(config.calls.max_registration_attempts == calls.max_registration_attempts);
  CHECK(config.calls.default_session_expires_ns == calls.default_session_expires_ns);
  CHECK(config.transactions.capacity == TransactionTableConfig{}.capacity);
  const MediaConfig media{};
  CHECK(config.media.max_endpoints == media.max_endpoints);
  CHECK(config.media.max_streams == media.max_streams);
  CHECK(config.media.max_calls == media.max_calls);
}

TEST_CASE("table options set the caps and the default session expiry", "[engine-options]") {
  const EngineConfig config =
      parsed_config({"--max-dialogs", "1000", "--max-session-attempts", "7", "--max-registrations", "9",
                     "--max-transactions", "4096", "--session-expires-default", "1800"});
  CHECK(config.calls.max_dialogs == 1000);
  CHECK(config.calls.max_session_attempts == 7);
  CHECK(config.calls.max_registration_attempts == 9);
  CHECK(config.transactions.capacity == 4096);
  CHECK(config.calls.default_session_expires_ns == 1800LL * 1'000'000'000);
  CHECK(config.media.max_endpoints == MediaConfig{}.max_endpoints);
  const EngineConfig media =
      parsed_config({"--max-media-endpoints", "40", "--max-media-streams", "30", "--max-media-calls", "20"});
  CHECK(media.media.max_endpoints == 40);
  CHECK(media.media.max_streams == 30);
  CHECK(media.media.max_calls == 20);
  CHECK(media.calls.max_dialogs == CallTrackerConfig{}.max_dialogs);
  // Timers without an option stay as they were.
  CHECK(config.calls.timer_b_ns == CallTrackerConfig{}.timer_b_ns);
}

TEST_CASE("out-of-range or malformed table options are usage errors", "[engine-options]") {
  for (const char* option : {"--max-dialogs", "--max-session-attempts", "--max-registrations", "--max-transactions",
                             "--max-media-endpoints", "--max-media-streams", "--max-media-calls"}) {
    INFO(option);
    CHECK_THROWS_AS(parsed_config({option, "0"}), CLI::ValidationError);
    CHECK_THROWS_AS(parsed_config({option, "-5"}), CLI::ParseError);
    CHECK_THROWS_AS(parsed_config({option, std::to_string(kMaxTableCap + 1)}), CLI::ValidationError);
    CHECK_THROWS_AS(parsed_config({option, "lots"}), CLI::ParseError);
    CHECK_NOTHROW(parsed_config({option, std::to_string(kMaxTableCap)}));
  }
  CHECK_THROWS_AS(parsed_config({"--session-expires-default", "0"}), CLI::ValidationError);
  CHECK_THROWS_AS(parsed_config({"--session-expires-default", std::to_string(kMaxSessionExpiresDefaultS + 1)}),
                  CLI::ValidationError);
  CHECK_THROWS_AS(parsed_config({"--session-expires-default", "1.5"}), CLI::ParseError);
}

TEST_CASE("replay, check and live all take the table options", "[engine-options]") {
  CLI::App replay{"replay"};
  ReplayInputOptions input;
  add_replay_input_options(replay, input);
  const char* replay_argv[] = {"sipmon", "--max-dialogs", "12", "--ports", "5060"};
  replay.parse(5, replay_argv);
  CHECK(input.tables.max_dialogs == 12);

  CLI::App app{"sipmon"};
  LiveOptions live_options;
  add_live_command(app, live_options);
  const char* live_argv[] = {"sipmon", "live", "-i", "lo", "--max-transactions", "64", "--session-expires-default",
                             "90"};
  app.parse(8, live_argv);
  CHECK(live_options.tables.max_transactions == 64);
  CHECK(live_options.tables.session_expires_default_s == 90);
}

TEST_CASE("table options know whether any was changed from its default", "[engine-options]") {
  EngineTableOptions options;
  CHECK(options.defaults());
  options.max_transactions = 1;
  CHECK_FALSE(options.defaults());
}

TEST_CASE("timer options set Timers B, C and F in seconds", "[engine-options]") {
  const CallTrackerConfig defaults{};
  CHECK(defaults.timer_b_ns == 32'000'000'000);   // RFC 3261 64*T1
  CHECK(defaults.timer_c_ns == 181'000'000'000);  // RFC 3261 §16.6: more than 3 minutes
  CHECK(defaults.timer_f_ns == 32'000'000'000);
  const EngineConfig config = parsed_config({"--timer-b", "4", "--invite-timeout", "90.5", "--timer-f", "0.5"});
  CHECK(config.calls.timer_b_ns == 4'000'000'000);
  CHECK(config.calls.timer_c_ns == 90'500'000'000);
  CHECK(config.calls.timer_f_ns == 500'000'000);
}

TEST_CASE("an invite timeout shorter than Timer B or out of range is a usage error", "[engine-options]") {
  CHECK_THROWS_AS(parsed_config({"--timer-b", "40", "--invite-timeout", "39"}), CLI::ValidationError);
  CHECK_NOTHROW(parsed_config({"--timer-b", "40", "--invite-timeout", "40"}));
  for (const char* option : {"--timer-b", "--invite-timeout", "--timer-f"}) {
    INFO(option);
    CHECK_THROWS_AS(parsed_config({option, "0"}), CLI::ValidationError);
    CHECK_THROWS_AS(parsed_config({option, "3601"}), CLI::ValidationError);
    CHECK_THROWS_AS(parsed_config({option, "soon"}), CLI::ParseError);
  }
}

TEST_CASE("the --no-media flag turns the media tracker off, and contradicts --rtp-heuristic", "[engine-options]") {
  CHECK(parsed_config({}).measure_media);
  CHECK_FALSE(parsed_config({"--no-media"}).measure_media);
  // Media caps are still taken (they size nothing that is used), and so is the rest.
  const EngineConfig config = parsed_config({"--no-media", "--max-dialogs", "5"});
  CHECK_FALSE(config.measure_media);
  CHECK(config.calls.max_dialogs == 5);
  // Measuring RTP without SDP while measuring no media at all: one of them is a mistake.
  CHECK_THROWS_AS(parsed_config({"--no-media", "--rtp-heuristic"}), CLI::ExcludesError);
  CHECK_THROWS_AS(parsed_config({"--rtp-heuristic", "--no-media"}), CLI::ExcludesError);
  EngineTableOptions options;
  options.no_media = true;
  CHECK_FALSE(options.defaults());  // `check --report` refuses it: nothing is replayed there
}
