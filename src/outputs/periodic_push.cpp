#include "outputs/periodic_push.h"

#include <utility>

namespace sipmon {

PeriodicPush::PeriodicPush(std::chrono::duration<double> interval, std::function<void()> push,
                           std::function<void()> cancel, std::function<void()> resume)
    : interval_(interval), push_(std::move(push)), cancel_(std::move(cancel)), resume_(std::move(resume)) {}

void PeriodicPush::start() {
  if (thread_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    stop_requested_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stop_requested_cv_.wait_for(lock, interval_, [this] { return stop_requested_; })) {
      lock.unlock();  // a push may take --push-timeout: stop() must still get the lock meanwhile
      push_();
      lock.lock();
    }
  });
}

void PeriodicPush::stop() {
  {
    const std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  stop_requested_cv_.notify_all();
  if (!thread_.joinable()) return;
  cancel_();  // a push under way must not hold the stop up
  thread_.join();
  resume_();
}

}  // namespace sipmon
