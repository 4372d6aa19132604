// Progress reporting without printing: the library reports, the CLI decides how to show it. Lives in
// lib/base so that the numerical modules (interval, kernel, linalg, hermite) need nothing from driver.
#pragma once

#include <string_view>

namespace ntk {

class progress_sink {
 public:
  virtual ~progress_sink() = default;
  // `stage` names the current step ("gram", "layer 2/3", "cholesky 128 bits"); fraction in [0, 1].
  // Implementations must be cheap and thread-safe to call from one thread at a time.
  virtual void update(std::string_view stage, double fraction) = 0;
  // True once the caller has asked to stop (e.g. Ctrl-C in the Python module). Loops inside OpenMP
  // parallel regions, where update() must not throw, may poll it and skip their remaining
  // iterations: a sink that returns true throws from its next update() outside such a region, and
  // its owner discards whatever the interrupted call returns, so skipped work is never used.
  // Cheap and thread-safe.
  virtual bool stop_requested() const { return false; }
};

// A sink that ignores everything; the default for library callers.
class null_progress final : public progress_sink {
 public:
  void update(std::string_view, double) override {}
};

}  // namespace ntk
