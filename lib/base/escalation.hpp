// Precision escalation, written once (docs/numerics.md "Precision escalation"): try a computation at
// the binary64 tier, then at MPFI precisions 128, 256, ... bits up to a cap, stop as soon as the
// result is good enough (or more precision cannot help), and keep a record of every attempt.
// Used by certify ntk (lib/driver/ntk_lambda_min.cpp), --chain (lib/driver/chain.cpp), certify
// empirical (lib/empirical/empirical.cpp) and certify check (lib/certificate).
//
// No numerics here: the caller's attempt callable chooses the tier for a precision, sets the
// working precision, computes and merges; this header only fixes the order of precisions and
// the loop's contract, so that every command escalates, records and stops in the same way.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/progress.hpp"

namespace ntk {

// The precision that stands for the binary64 tier (dinterval, a double with outward rounding).
inline constexpr long binary64_bits = 53;

struct precision_policy {
  bool automatic = true;  // escalate from the double tier
  long fixed_bits = 53;   // used when !automatic; 53 (or less) means the double tier
  long max_bits = 4096;   // cap for automatic escalation
};

// The precisions a policy tries, in order (each >= binary64_bits; binary64_bits means the double
// tier). Automatic: 53, then 128, 256, 512, ... while <= max_bits, then max_bits itself when the
// doubling does not land on it and max_bits > 53. Fixed: the one precision max(53, fixed_bits).
inline std::vector<long> escalation_schedule(const precision_policy& policy) {
  if (!policy.automatic) return {policy.fixed_bits < binary64_bits ? binary64_bits : policy.fixed_bits};
  std::vector<long> s{binary64_bits};
  for (long b = 128; b <= policy.max_bits; b *= 2) s.push_back(b);
  if (s.back() != policy.max_bits && policy.max_bits > binary64_bits) s.push_back(policy.max_bits);
  return s;
}

// first, 2·first, 4·first, ...: `count` precisions (at least one; first >= 1).
inline std::vector<long> doubling_schedule(long first, int count) {
  std::vector<long> s{first};
  for (int i = 1; i < count; ++i) s.push_back(s.back() * 2);
  return s;
}

// first, 2·first, 4·first, ... while <= last (empty when first > last; first >= 1).
inline std::vector<long> doubling_schedule_upto(long first, long last) {
  std::vector<long> s;
  for (long b = first; b <= last; b *= 2) s.push_back(b);
  return s;
}

// How an escalation ended.
enum class escalation_end {
  good_enough,  // `good_enough()` held after an attempt
  stopped,      // an attempt declined to run, or `absorb` said that more precision cannot help
  exhausted,    // every precision of the schedule was tried without the result being good enough
};

// What `absorb` tells the loop after merging an attempt.
enum class escalation_step { go_on, stop };

template <class Attempt>
struct escalation_result {
  std::vector<Attempt> attempts;  // every attempt absorbed, in the order of the schedule
  escalation_end end = escalation_end::exhausted;
  long precision_bits = 0;  // the schedule's precision of the last attempt absorbed; 0 when none was
};

namespace escalation_detail {
template <class T>
struct optional_value {
  using type = T;
};
template <class T>
struct optional_value<std::optional<T>> {
  using type = T;
};
}  // namespace escalation_detail

// The loop. For each precision `bits` of `schedule`, in order:
//   1. progress.update("precision <bits> bits", i / schedule.size());
//   2. a = attempt(bits): the caller computes at that precision (bits == binary64_bits: the double
//      tier). attempt may return Attempt, or std::optional<Attempt> where std::nullopt declines:
//      nothing is recorded and the loop ends with `stopped` (e.g. an exact answer was found, or the
//      tier would cost too much);
//   3. absorb(a) merges a into the caller's best result (for enclosures: their intersection, which
//      contains the value when each does) and may annotate a; then a is recorded. absorb returns
//      escalation_step::stop when more precision cannot help (a defect such as an empty
//      enclosure, or an outcome already decided): the loop ends with `stopped`;
//   4. good_enough() (no arguments: it reads the caller's best result) ends the loop with
//      `good_enough` when it holds.
// When the schedule runs out the loop ends with `exhausted`. Exceptions from the callables pass
// through unchanged (attempts recorded so far are lost with the result). The best result lives
// with the caller (captured by the callables), so it can be any type and survives the loop.
template <class AttemptFn, class AbsorbFn, class EnoughFn>
auto escalate(const std::vector<long>& schedule, AttemptFn&& attempt, AbsorbFn&& absorb, EnoughFn&& good_enough,
              progress_sink& progress)
    -> escalation_result<typename escalation_detail::optional_value<std::invoke_result_t<AttemptFn&, long>>::type> {
  using returned = std::invoke_result_t<AttemptFn&, long>;
  using attempt_type = typename escalation_detail::optional_value<returned>::type;
  escalation_result<attempt_type> r;
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    const long bits = schedule[i];
    progress.update("precision " + std::to_string(bits) + " bits", static_cast<double>(i) / static_cast<double>(schedule.size()));
    returned got = attempt(bits);
    attempt_type* a = nullptr;
    if constexpr (std::is_same_v<returned, attempt_type>) {
      a = &got;
    } else {
      if (!got) {
        r.end = escalation_end::stopped;
        return r;
      }
      a = &*got;
    }
    const escalation_step step = absorb(*a);
    r.attempts.push_back(std::move(*a));
    r.precision_bits = bits;
    if (step == escalation_step::stop) {
      r.end = escalation_end::stopped;
      return r;
    }
    if (good_enough()) {
      r.end = escalation_end::good_enough;
      return r;
    }
  }
  r.end = escalation_end::exhausted;
  return r;
}

}  // namespace ntk
