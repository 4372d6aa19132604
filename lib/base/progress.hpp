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
};

// A sink that ignores everything; the default for library callers.
class null_progress final : public progress_sink {
 public:
  void update(std::string_view, double) override {}
};

}  // namespace ntk
