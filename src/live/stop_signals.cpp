#include "live/stop_signals.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace sipmon {

Expected<std::unique_ptr<StopSignals>> StopSignals::open(bool hangup) {
  std::unique_ptr<StopSignals> stop(new StopSignals());
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  sigaction(SIGINT, &default_action, &stop->previous_int_);
  sigaction(SIGTERM, &default_action, &stop->previous_term_);
  sigemptyset(&stop->stop_signals_);
  sigaddset(&stop->stop_signals_, SIGINT);
  sigaddset(&stop->stop_signals_, SIGTERM);
  stop->signals_ = stop->stop_signals_;
  if (hangup) sigaddset(&stop->signals_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop->signals_, &stop->previous_mask_);
  stop->fd_ = signalfd(-1, &stop->signals_, SFD_CLOEXEC | SFD_NONBLOCK);
  if (stop->fd_ < 0) {
    const std::string why = std::strerror(errno);
    return make_error(ErrorKind::io, "cannot receive SIGINT/SIGTERM (signalfd): " + why);
  }
  return stop;
}

StopSignals::~StopSignals() {
  if (fd_ >= 0) {
    while (take()) {
    }
    ::close(fd_);
  }
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

std::optional<int> StopSignals::take() {
  signalfd_siginfo taken{};
  if (::read(fd_, &taken, sizeof taken) != static_cast<ssize_t>(sizeof taken)) return std::nullopt;
  return static_cast<int>(taken.ssi_signo);
}

int StopSignals::wait() {
  for (;;) {
    if (auto signal = take()) return *signal;
    pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
    ::poll(&ready, 1, -1);  // EINTR (a stopped and continued process) only loops
  }
}

void StopSignals::release() { pthread_sigmask(SIG_UNBLOCK, &stop_signals_, nullptr); }

}  // namespace sipmon
