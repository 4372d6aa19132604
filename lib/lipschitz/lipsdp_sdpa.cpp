// The SDPA solver behind LipSDP (untrusted: only its (rho, T) are used, and the proof decides); see
// lipsdp_problem.hpp.
#include <sdpa_call.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "lipschitz/lipsdp_problem.hpp"

namespace ntk::lipsdp_detail {

namespace {

// SDPA's iteration display, turned into progress updates.
struct display_state {
  progress_sink* progress;
  std::string line;
  int iterations = 0;
  bool echo = false;
};

ssize_t display_write(void* cookie, const char* buf, size_t size) {
  auto* s = static_cast<display_state*>(cookie);
  for (size_t i = 0; i < size; ++i) {
    if (buf[i] != '\n') {
      s->line.push_back(buf[i]);
      continue;
    }
    std::size_t p = s->line.find_first_not_of(' ');
    if (p != std::string::npos && std::isdigit((unsigned char)s->line[p])) {
      std::size_t q = p;
      while (q < s->line.size() && std::isdigit((unsigned char)s->line[q])) ++q;
      if (q < s->line.size() && s->line[q] == ' ') {
        ++s->iterations;
        if (s->echo) std::fprintf(stderr, "%s\n", s->line.c_str());
        s->progress->update("lipsdp: sdpa iteration " + std::to_string(s->iterations),
                            std::min(0.9, s->iterations / 60.0));
      }
    }
    s->line.clear();
  }
  return (ssize_t)size;
}

}  // namespace

void write_sdpa_file(const sdp_data& D, const std::string& path) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error("lipsdp: cannot write " + path);
  f.precision(17);
  f << "\"LipSDP: minimise rho\"\n" << D.m << "\n2\n" << D.N << " " << -D.nlp << "\n";
  for (int k = 1; k <= D.m; ++k) f << (k == 1 ? 1 : 0) << (k == D.m ? "\n" : " ");
  for (const sdp_entry& e : D.entries) f << e.k << " " << e.block << " " << e.i << " " << e.j << " " << e.v << "\n";
  if (!f) throw std::runtime_error("lipsdp: write error on " + path);
}


std::string sdpa_version() {
  char buf[256] = {0};
  FILE* f = fmemopen(buf, sizeof buf - 1, "w");
  if (!f) return "sdpa";
  SDPA::printSDPAVersion(f);
  fclose(f);
  std::string s(buf);
  std::size_t p = s.find_first_of("0123456789");
  std::string ver;
  while (p != std::string::npos && p < s.size() && (std::isdigit((unsigned char)s[p]) || s[p] == '.')) ver.push_back(s[p++]);
  return ver.empty() ? "sdpa" : "sdpa " + ver;
}

solve_outcome solve_sdpa(const sdp_data& D, const lipsdp_options& opt, progress_sink& progress) {
  display_state st{&progress, {}, 0, std::getenv("NTK_LIPSDP_ECHO") != nullptr};
  cookie_io_functions_t fns{nullptr, display_write, nullptr, nullptr};
  FILE* disp = fopencookie(&st, "w", fns);
  if (disp) setvbuf(disp, nullptr, _IOLBF, 0);
  solve_outcome out;
  {
    SDPA S;
    S.setParameterType(SDPA::PARAMETER_DEFAULT);
    S.setParameterEpsilonStar(opt.solver_epsilon);
    S.setParameterEpsilonDash(opt.solver_epsilon);
    S.setParameterMaxIteration(200);
    S.setDisplay(disp);
    if (opt.solver_threads > 0) S.setNumThreads(opt.solver_threads);
    S.inputConstraintNumber(D.m);
    S.inputBlockNumber(D.nlp > 0 ? 2 : 1);
    S.inputBlockSize(1, D.N);
    S.inputBlockType(1, SDPA::SDP);
    if (D.nlp > 0) {
      S.inputBlockSize(2, -D.nlp);
      S.inputBlockType(2, SDPA::LP);
    }
    S.initializeUpperTriangleSpace();
    for (int k = 1; k <= D.m; ++k) S.inputCVec(k, k == 1 ? 1.0 : 0.0);
    for (const sdp_entry& e : D.entries) S.inputElement(e.k, e.block, e.i, e.j, e.v);
    S.initializeUpperTriangle();
    S.initializeSolve();
    // SDPA writes warnings ("Strange behavior ...") to std::cout; keep them out of the caller's
    // output and report them in the note instead.
    std::ostringstream warn;
    std::streambuf* old = std::cout.rdbuf(warn.rdbuf());
    try {
      S.solve();
    } catch (...) {
      std::cout.rdbuf(old);
      throw;
    }
    std::cout.rdbuf(old);
    out.warnings = warn.str();
    while (!out.warnings.empty() && (out.warnings.back() == '\n' || out.warnings.back() == ' ')) out.warnings.pop_back();
    for (char& ch : out.warnings)
      if (ch == '\n') ch = ';';
    const double* x = S.getResultXVec();
    out.rho = x[0];
    out.x.assign(x + 1, x + D.m);
    char ph[64] = {0};
    S.getPhaseString(ph);
    out.phase = ph;
    out.iterations = S.getIteration();
  }
  if (disp) fclose(disp);
  return out;
}

}  // namespace ntk::lipsdp_detail
