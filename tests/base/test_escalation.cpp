// lib/base/escalation.hpp: the precision schedules against independently written definitions, and
// the loop's contract (order, recording, the three ways to end) against a plain reference loop
// under random stress, plus one real escalation: enclosing sqrt(2) by bisection on integers
// scaled by 2^bits until the relative width meets a tolerance.
#define BOOST_TEST_MODULE base
#include <boost/test/unit_test.hpp>

#include <bit>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/escalation.hpp"

namespace {

// Records what the loop reports to the progress sink.
class recording_progress final : public ntk::progress_sink {
 public:
  void update(std::string_view stage, double fraction) override {
    stages.emplace_back(stage);
    fractions.push_back(fraction);
  }
  std::vector<std::string> stages;
  std::vector<double> fractions;
};

// The automatic schedule by its definition: 53, every 128·2^k <= max, and max when it is above 53.
std::vector<long> reference_schedule(long max_bits) {
  std::set<long> s{53};
  for (long k = 0; k < 40; ++k) {
    const long b = 128L << k;
    if (b > max_bits) break;
    s.insert(b);
  }
  if (max_bits > 53) s.insert(max_bits);
  return {s.begin(), s.end()};
}

}  // namespace

BOOST_AUTO_TEST_CASE(automatic_schedule_matches_its_definition) {
  for (long max_bits = 1; max_bits <= 70000; max_bits += (max_bits < 600 ? 1 : 97)) {
    ntk::precision_policy p;
    p.max_bits = max_bits;
    BOOST_TEST(ntk::escalation_schedule(p) == reference_schedule(max_bits), "max_bits " << max_bits);
  }
  ntk::precision_policy p;  // the default cap
  BOOST_TEST(ntk::escalation_schedule(p) == (std::vector<long>{53, 128, 256, 512, 1024, 2048, 4096}));
}

BOOST_AUTO_TEST_CASE(fixed_schedule_is_one_precision) {
  for (long bits : {1L, 24L, 53L, 54L, 64L, 100L, 128L, 333L, 8192L}) {
    ntk::precision_policy p;
    p.automatic = false;
    p.fixed_bits = bits;
    p.max_bits = 64;  // ignored when fixed
    BOOST_TEST(ntk::escalation_schedule(p) == std::vector<long>{bits < 53 ? 53 : bits});
  }
}

BOOST_AUTO_TEST_CASE(doubling_schedules) {
  std::mt19937 rng(7);
  for (int t = 0; t < 500; ++t) {
    const long first = std::uniform_int_distribution<long>(1, 5000)(rng);
    const int count = std::uniform_int_distribution<int>(0, 8)(rng);
    const std::vector<long> s = ntk::doubling_schedule(first, count);
    BOOST_TEST_REQUIRE(s.size() == static_cast<std::size_t>(count < 1 ? 1 : count));
    long expect = first;
    for (long b : s) {
      BOOST_TEST(b == expect);
      expect += expect;
    }
    const long last = std::uniform_int_distribution<long>(0, 100000)(rng);
    const std::vector<long> u = ntk::doubling_schedule_upto(first, last);
    std::vector<long> ref;
    for (long k = 0; k < 40 && (first << k) <= last; ++k) ref.push_back(first << k);
    BOOST_TEST(u == ref);
  }
}

// Random outcomes per precision: decline, stop, good enough or go on; the loop must agree with a
// plain loop written from the contract.
BOOST_AUTO_TEST_CASE(loop_contract_under_random_stress) {
  std::mt19937 rng(11);
  for (int t = 0; t < 3000; ++t) {
    std::vector<long> schedule = ntk::doubling_schedule(53 + static_cast<long>(rng() % 100), 1 + static_cast<int>(rng() % 7));
    std::vector<int> outcome(schedule.size());  // 0 go on, 1 decline, 2 stop, 3 good enough
    for (int& o : outcome) {
      const unsigned r = rng() % 10;
      o = r < 6 ? 0 : static_cast<int>(r - 6 > 2 ? 3 : r - 5);
    }
    // Reference.
    std::vector<long> ref_attempts;
    ntk::escalation_end ref_end = ntk::escalation_end::exhausted;
    for (std::size_t i = 0; i < schedule.size(); ++i) {
      if (outcome[i] == 1) {
        ref_end = ntk::escalation_end::stopped;
        break;
      }
      ref_attempts.push_back(schedule[i]);
      if (outcome[i] == 2) {
        ref_end = ntk::escalation_end::stopped;
        break;
      }
      if (outcome[i] == 3) {
        ref_end = ntk::escalation_end::good_enough;
        break;
      }
    }
    // The idiom, with the best result (here: the number of absorbed attempts) kept by the caller.
    std::size_t calls = 0, absorbed = 0, last_index = 0;
    recording_progress progress;
    auto r = ntk::escalate(
        schedule,
        [&](long bits) -> std::optional<long> {
          BOOST_TEST(bits == schedule[calls]);
          last_index = calls++;
          if (outcome[last_index] == 1) return std::nullopt;
          return bits;
        },
        [&](long& a) {
          BOOST_TEST(a == schedule[last_index]);
          ++absorbed;
          return outcome[last_index] == 2 ? ntk::escalation_step::stop : ntk::escalation_step::go_on;
        },
        [&] { return outcome[last_index] == 3; }, progress);
    BOOST_TEST(r.attempts == ref_attempts);
    BOOST_TEST(static_cast<int>(r.end) == static_cast<int>(ref_end));
    BOOST_TEST(absorbed == ref_attempts.size());
    BOOST_TEST(r.precision_bits == (ref_attempts.empty() ? 0 : ref_attempts.back()));
    BOOST_TEST_REQUIRE(progress.stages.size() == calls);
    for (std::size_t i = 0; i < calls; ++i) {
      BOOST_TEST(progress.stages[i] == "precision " + std::to_string(schedule[i]) + " bits");
      BOOST_TEST(progress.fractions[i] >= 0.0);
      BOOST_TEST(progress.fractions[i] < 1.0);
    }
  }
}

BOOST_AUTO_TEST_CASE(exceptions_pass_through) {
  ntk::null_progress quiet;
  int calls = 0;
  BOOST_CHECK_THROW(ntk::escalate(
                        std::vector<long>{53, 128, 256},
                        [&](long bits) {
                          ++calls;
                          if (bits == 128) throw std::runtime_error("attempt failed");
                          return bits;
                        },
                        [](long&) { return ntk::escalation_step::go_on; }, [] { return false; }, quiet),
                    std::runtime_error);
  BOOST_TEST(calls == 2);
}

// A real escalation: sqrt(2) ∈ [m, m + 1]·2^-bits with m the integer square root of 2·4^bits (by
// bisection), kept as numbers scaled by 2^32; the intersection over attempts is the best result,
// and the loop must stop at the first precision where the width meets (hi − lo) <= ⌊hi·2^-k⌋. The
// width at `bits` is 2^(32−bits) and hi ∈ (2^32, 1.5·2^32), so that holds exactly when bits >= k:
// the loop must end at the smallest power of two >= k.
BOOST_AUTO_TEST_CASE(enclosing_sqrt2_stops_at_the_first_sufficient_precision) {
  using u128 = unsigned __int128;
  const std::vector<long> schedule = ntk::doubling_schedule_upto(2, 32);  // 2, 4, 8, 16, 32
  for (int k = 1; k <= 32; ++k) {
    u128 best_lo = 0, best_hi = static_cast<u128>(2) << 32;
    ntk::null_progress quiet;
    auto r = ntk::escalate(
        schedule,
        [&](long bits) {
          u128 lo = 0, hi = static_cast<u128>(2) << bits;
          const u128 target = static_cast<u128>(2) << (2 * bits);
          while (hi - lo > 1) {
            const u128 mid = lo + (hi - lo) / 2;
            (mid * mid <= target ? lo : hi) = mid;
          }
          return std::pair<u128, u128>(lo << (32 - bits), (lo + 1) << (32 - bits));
        },
        [&](std::pair<u128, u128>& a) {
          if (a.first > best_lo) best_lo = a.first;
          if (a.second < best_hi) best_hi = a.second;
          return ntk::escalation_step::go_on;
        },
        [&] { return best_hi - best_lo <= (best_hi >> k); }, quiet);
    long expect = 2;
    while (expect < k) expect *= 2;
    BOOST_TEST(static_cast<int>(r.end) == static_cast<int>(ntk::escalation_end::good_enough), "k " << k);
    BOOST_TEST(r.precision_bits == expect, "k " << k);
    BOOST_TEST(r.attempts.size() == static_cast<std::size_t>(std::countr_zero(static_cast<unsigned long>(expect))));
    // Every attempt encloses sqrt(2)·2^32: lo² <= 2·2^64 <= hi².
    for (const auto& a : r.attempts) {
      BOOST_TEST((a.first * a.first <= (static_cast<u128>(2) << 64)));
      BOOST_TEST((a.second * a.second >= (static_cast<u128>(2) << 64)));
    }
  }
}
