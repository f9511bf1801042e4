#pragma once
// `live --push`: a thread that pushes every interval until stopped, so the capture never waits for
// a gateway. Stopping cancels a push under way (PushgatewayClient::cancel), so it takes at most
// about a second however slow the gateway is.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace sipmon {

class PeriodicPush {
 public:
  // `push` runs on the thread every `interval` (the first after one interval); `cancel` and
  // `resume` end a push in progress at stop() and let later (final) pushes run again.
  PeriodicPush(std::chrono::duration<double> interval, std::function<void()> push, std::function<void()> cancel,
               std::function<void()> resume);
  PeriodicPush(const PeriodicPush&) = delete;
  PeriodicPush& operator=(const PeriodicPush&) = delete;
  ~PeriodicPush() { stop(); }

  void start();  // no-op when already started
  void stop();   // joins the thread; no-op when not started

 private:
  std::chrono::duration<double> interval_;
  std::function<void()> push_;
  std::function<void()> cancel_;
  std::function<void()> resume_;
  std::mutex mutex_;
  std::condition_variable stop_requested_cv_;
  bool stop_requested_ = false;
  std::thread thread_;
};

}  // namespace sipmon
