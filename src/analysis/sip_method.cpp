#include "analysis/sip_method.h"

#include <array>

namespace sipmon {
namespace {

constexpr std::array<std::string_view, kKnownMethodCount + 1> kMethodNames = {
    "INVITE", "ACK",     "BYE",  "CANCEL", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE",
    "NOTIFY", "PUBLISH", "INFO", "REFER",  "MESSAGE", "UPDATE",   "other",
};

}  // namespace

Method method_from_token(std::string_view token) {
  // Dispatch on length first: at most three exact compares per token.
  switch (token.size()) {
    case 3:
      if (token == "ACK") return Method::ack;
      if (token == "BYE") return Method::bye;
      break;
    case 4:
      if (token == "INFO") return Method::info;
      break;
    case 5:
      if (token == "PRACK") return Method::prack;
      if (token == "REFER") return Method::refer;
      break;
    case 6:
      if (token == "INVITE") return Method::invite;
      if (token == "CANCEL") return Method::cancel;
      if (token == "NOTIFY") return Method::notify;
      if (token == "UPDATE") return Method::update;
      break;
    case 7:
      if (token == "OPTIONS") return Method::options;
      if (token == "PUBLISH") return Method::publish;
      if (token == "MESSAGE") return Method::message;
      break;
    case 8:
      if (token == "REGISTER") return Method::register_;
      break;
    case 9:
      if (token == "SUBSCRIBE") return Method::subscribe;
      break;
    default:
      break;
  }
  return Method::other;
}

std::string_view method_name(Method method) { return kMethodNames[static_cast<std::size_t>(method)]; }

}  // namespace sipmon
