// certify-mpi: the certified λ_min of `certify ntk` for data sets whose kernel does not fit on one
// machine. K^(L) is computed straight into ScaLAPACK's 2-D block-cyclic layout (every process
// computes only its own blocks, with the library's entry code), and λ_min is enclosed by the
// distributed Cholesky test (lib/distributed/lambda_min_dist.hpp). Double tier only: when the
// enclosure misses --rtol the honest enclosure is reported with exit status 1 (no MPFI fallback).
//
//   mpirun -np P certify-mpi [--data SPEC] [--depth L] [--center] [--normalize ...] [--grid PxQ]
//                            [--block NB] [--rtol R] [--json PATH|-] [--certificate PATH]
//
// Exit status as `certify ntk`: 0 certified, 1 target width not met, 2 bad usage or bad input on
// any process (one message, from rank 0; no output file written).
#include <mpi.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "../certify/cli.hpp"
#include "../certify/ntk_options.hpp"
#include "../certify/output.hpp"
#include "data/checks.hpp"
#include "data/errors.hpp"
#include "distributed/kernel_blocks.hpp"
#include "distributed/lambda_min_dist.hpp"
#include "distributed/scalapack.hpp"
#include "driver/ntk_lambda_min.hpp"

extern "C" void openblas_set_num_threads(int);

namespace {

using certify::usage_error;
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
// CPU time of this process (all its threads), for per-rank rates on a shared machine.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The options of certify-mpi; the initial values are the defaults.
struct mpi_args {
  certify::data_args data;
  certify::model_args model;
  double rtol = 1e-6;
  std::string grid;
  long block = 64;
  std::string certificate;
  bool timings = false;
  certify::output_args output;
};

certify::command mpi_command(mpi_args& a) {
  certify::command c("certify-mpi",
      "Run under MPI (mpirun -np P certify-mpi ..., or srun). Encloses the smallest eigenvalue of the\n"
      "limiting ReLU NTK K^(L) like 'certify ntk', with the kernel distributed over the P processes in\n"
      "ScaLAPACK's 2-D block-cyclic layout and a distributed Cholesky (ScaLAPACK) as the proof. Every\n"
      "process reads (or generates) the rows itself. Double tier only: if the enclosure does not meet\n"
      "--rtol it is reported as not certified (exit 1); there is no fallback to higher precision.\n"
      "--center needs data whose centred rows are exact in binary64 (integer or fixed-point values such\n"
      "as pixels). Exit 2: bad usage or bad input on any process, reported once by rank 0.",
                     "certify-mpi");
  certify::add_data_options(c, a.data);
  certify::add_model_options(c, a.model);
  c.number("rtol", a.rtol, "R", certify::command::sign::positive, "target relative width of the lambda_min enclosure");
  c.text("grid", a.grid, "PxQ", "BLACS process grid, P*Q = number of processes (e.g. 2x2, 1x4)").default_text("near-square");
  c.whole("block", a.block, "NB", 1, 1 << 20, "ScaLAPACK block size (rows and columns per block)");
  c.text("certificate", a.certificate, "PATH", "also write a certificate that 'certify check' re-verifies");
  c.flag("timings", a.timings, "print the time of each stage on stderr (rank 0)");
  certify::add_output_options(c, a.output);
  return c;
}

// Collective error agreement: every rank passes its status (0 ok, else the exit status) and
// message; all ranks return the largest status, and `message` on rank 0 holds the message of the
// lowest failing rank (prefixed with the rank when not every rank failed).
int agree(int status, const std::string& local_message, std::string& message, int rank, int size) {
  int worst = status;
  MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (worst == 0) return 0;
  int first = status ? rank : size, failing = status ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &failing, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  int len = rank == first ? static_cast<int>(local_message.size()) : 0;
  MPI_Bcast(&len, 1, MPI_INT, first, MPI_COMM_WORLD);
  std::string m(static_cast<std::size_t>(len), '\0');
  if (rank == first) m = local_message;
  if (len > 0) MPI_Bcast(m.data(), len, MPI_CHAR, first, MPI_COMM_WORLD);
  message = failing == size ? m : "rank " + std::to_string(first) + " of " + std::to_string(size) + ": " + m;
  return worst;
}

ntk::mreal exact_mreal(double x) {
  ntk::mreal r;
  if (mpfr_get_prec(r.backend().data()) < 53) mpfr_set_prec(r.backend().data(), 53);
  mpfr_set_d(r.backend().data(), x, MPFR_RNDN);
  return r;
}

std::string fmt(double v, int digits = 17) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

void choose_grid(const std::string& g, int size, int& pr, int& pc) {
  if (!g.empty()) {
    const auto x = g.find('x');
    bool ok = x != std::string::npos && x > 0 && x + 1 < g.size() &&
              g.find_first_not_of("0123456789x") == std::string::npos && g.find('x', x + 1) == std::string::npos;
    if (ok) {
      pr = std::stoi(g.substr(0, x));
      pc = std::stoi(g.substr(x + 1));
      ok = pr >= 1 && pc >= 1;
    }
    if (!ok) throw usage_error("--grid takes PxQ with whole numbers P, Q >= 1 (e.g. 2x2), not '" + g + "'");
    if (pr * pc != size)
      throw usage_error("--grid " + g + " has " + std::to_string(pr * pc) + " processes, but " + std::to_string(size) +
                        " were started");
    return;
  }
  pr = 1;
  for (int p = 1; p * p <= size; ++p)
    if (size % p == 0) pr = p;
  pc = size / pr;
}

int run(int argc, char** argv, int rank, int size) {
  const auto t0 = clock_type::now();
  std::vector<std::string> av(argv + 1, argv + argc);
  mpi_args a;
  certify::command cmd = mpi_command(a);
  std::string msg;
  if (std::find(av.begin(), av.end(), "--help") != av.end() || std::find(av.begin(), av.end(), "-h") != av.end()) {
    if (rank == 0) std::cout << cmd.help();
    return 0;
  }

  // Options, output paths, data: every rank, errors agreed collectively.
  ntk::ntk_job job;
  ntk::dataset data;
  int pr = 1, pc = 1, nb = 64;
  std::string json_path, cert_path;
  int status = 0;
  std::string local;
  try {
    cmd.parse(av);
    json_path = a.output.json;
    cert_path = a.certificate;
    if (rank == 0) {
      certify::check_output_path("json", json_path);
      certify::check_output_path("certificate", cert_path);
    }
    job.depth = static_cast<int>(a.model.depth);
    job.convention = a.model.kernel_convention();
    job.rtol = a.rtol;
    nb = static_cast<int>(a.block);
    choose_grid(a.grid, size, pr, pc);
  } catch (const std::exception& e) {
    status = 2;
    local = e.what();
  }
  if (int s = agree(status, local, msg, rank, size)) {
    if (rank == 0) std::cerr << "certify-mpi: " << msg << "\n";
    return s;
  }
  const bool quiet = a.output.quiet, timings = a.timings && rank == 0;
  try {
    data = certify::load_data(a.data, job.prep);
    if (data.n > (1u << 30) / 2) throw usage_error("N = " + std::to_string(data.n) + " is too large for ScaLAPACK's int indices");
    ntk::dataset_check_rows(data, job.prep);
  } catch (const std::exception& e) {
    status = 2;
    local = e.what();
  }
  if (int s = agree(status, local, msg, rank, size)) {
    if (rank == 0) std::cerr << "certify-mpi: " << msg << "\n";
    return s;
  }
  // Every rank must hold the same rows.
  {
    char ref[65] = {0};
    unsigned long dims[2] = {data.n, data.d};
    if (rank == 0) std::snprintf(ref, sizeof ref, "%s", data.sha256.c_str());
    MPI_Bcast(ref, 65, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Bcast(dims, 2, MPI_UNSIGNED_LONG, 0, MPI_COMM_WORLD);
    if (data.sha256 != ref || data.n != dims[0] || data.d != dims[1]) {
      status = 2;
      local = data.source + ": this process read different data (sha256 " + data.sha256.substr(0, 12) + "…, n = " +
              std::to_string(data.n) + ") than rank 0 (sha256 " + std::string(ref).substr(0, 12) + "…, n = " +
              std::to_string(dims[0]) + ")";
    }
  }
  if (int s = agree(status, local, msg, rank, size)) {
    if (rank == 0) std::cerr << "certify-mpi: " << msg << "\n";
    return s;
  }
  const double t_load = since(t0);
  job.data = &data;

  ntk::ntk_outcome out;
  out.precision_bits = 53;
  out.eigenvector_upper = std::numeric_limits<double>::infinity();
  ntk::json::value dist = ntk::json::value::object();
  dist["grid"] = ntk::json::value::array();
  dist["grid"].push_back(pr);
  dist["grid"].push_back(pc);
  dist["block"] = nb;

  // λ_min = 0 exactly (the cases of certify ntk).
  std::string zero_reason;
  if (auto pair = ntk::dataset_find_parallel_pair(data, job.prep)) {
    out.singular_pair = pair;
    zero_reason = "rows " + std::to_string(data.first_row + pair->first + 1) + " and " +
                  std::to_string(data.first_row + pair->second + 1) + " are positively proportional, so K is singular";
  } else if (job.depth == 1 && data.n > data.d) {
    zero_reason = "depth 1 kernel XX^T of N > d rows has rank <= d < N";
  } else if (job.depth == 1 && job.prep.center && data.n >= 2) {
    zero_reason = "depth 1 kernel of centred rows: the rows sum to zero, so XX^T 1 = 0";
  }
  ntk::distributed::dist_bounds B;
  double t_kernel = 0, t_lambda = 0, cpu_kernel = 0, cpu_lambda = 0;
  std::vector<std::string> methods;
  std::size_t entries_rank0 = 0;
  if (!zero_reason.empty()) {
    out.exact_zero = true;
    out.exact_zero_reason = zero_reason;
    out.lower = exact_mreal(0);
    out.upper = exact_mreal(0);
    out.lower_proved = out.upper_proved = out.certified = true;
  } else {
    // Exact centring, then the BLACS grid and the distributed kernel.
    ntk::dataset centred;
    const ntk::dataset* rows = &data;
    if (job.prep.center) {
      if (!ntk::distributed::centre_exactly(data, centred)) {
        if (rank == 0)
          std::cerr << "certify-mpi: --center: the centred rows of " << data.source
                    << " are not exact in binary64 (the values need more than 53 bits once centred); certify-mpi "
                       "centres exactly only integer or fixed-point data such as pixels: centre the data beforehand, "
                       "or use certify ntk\n";
        return 2;
      }
      rows = &centred;
    }
    int ctxt = 0, myrow = 0, mycol = 0, npr = 0, npc = 0;
    Cblacs_get(-1, 0, &ctxt);
    Cblacs_gridinit(&ctxt, "Row", pr, pc);
    Cblacs_gridinfo(ctxt, &npr, &npc, &myrow, &mycol);
    const int n = static_cast<int>(data.n);
    const ntk::distributed::block_cyclic layout = ntk::distributed::make_layout(n, nb, pr, pc, myrow, mycol);
    const int threads = omp_get_max_threads();
    omp_set_max_active_levels(1);
    openblas_set_num_threads(1);  // OpenMP threads share the block pairs; BLAS runs inside them
    const auto tk = clock_type::now();
    const double ck = cpu_seconds();
    ntk::distributed::local_kernel K;
    try {
      K = ntk::distributed::compute_local_kernel(*rows, job.prep, job.depth, job.convention, layout);
    } catch (const std::exception& e) {
      status = 2;
      local = e.what();
    }
    openblas_set_num_threads(threads);
    if (int s = agree(status, local, msg, rank, size)) {
      if (rank == 0) std::cerr << "certify-mpi: " << msg << "\n";
      Cblacs_gridexit(ctxt);
      return s;
    }
    cpu_kernel = cpu_seconds() - ck;
    MPI_Barrier(MPI_COMM_WORLD);
    t_kernel = since(tk);
    methods = K.methods;
    entries_rank0 = K.pairs;
    if (timings) std::cerr << "certify-mpi: kernel " << fmt(t_kernel, 4) << " s (" << K.pairs << " entries on rank 0)\n";
    const auto tl = clock_type::now();
    const double cl = cpu_seconds();
    ntk::distributed::dist_options opt;
    opt.rtol = job.rtol;
    B = ntk::distributed::lambda_min_distributed(K, MPI_COMM_WORLD, ctxt, opt);
    t_lambda = since(tl);
    cpu_lambda = cpu_seconds() - cl;
    if (timings)
      std::cerr << "certify-mpi: lambda_min " << fmt(t_lambda, 4) << " s (" << B.factorizations << " pdpotrf "
                << fmt(B.seconds_factor, 4) << " s, " << B.solves << " pdpotrs " << fmt(B.seconds_solve, 4) << " s)\n";
    Cblacs_gridexit(ctxt);
    out.lower = exact_mreal(B.lower);
    out.upper = exact_mreal(B.upper);
    out.lower_proved = B.lower_proved;
    out.upper_proved = B.upper_proved;
    out.certified = B.lower_proved && B.upper_proved && ntk::relative_width(out.lower, out.upper) <= job.rtol;
    out.eigenvector = B.vector;
    out.eigenvector_upper = exact_mreal(B.upper);
    out.shift = exact_mreal(B.lower_from_test ? B.shift : -std::numeric_limits<double>::infinity());
    ntk::ntk_attempt a;
    a.precision_bits = 53;
    a.lower = out.lower;
    a.upper = out.upper;
    a.lower_proved = out.lower_proved;
    a.upper_proved = out.upper_proved;
    a.seconds = t_kernel + t_lambda;
    a.note = B.note;
    out.attempts.push_back(a);
  }
  out.seconds = since(t0) - t_load;
  if (rank != 0) return out.certified ? 0 : 1;

  // Rank 0: JSON, certificate, summary.
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "ntk";
  j["data"] = certify::data_json(data, job.prep);
  j["model"] = certify::model_json(job.depth, job.convention);
  j["lambda_min"] = certify::lambda_min_json(out, job.rtol);
  j["ranks"] = size;
  dist["estimate"] = std::isfinite(B.estimate) ? ntk::json::value(B.estimate) : ntk::json::value(nullptr);
  dist["residual"] = std::isfinite(B.residual) ? ntk::json::value(B.residual) : ntk::json::value(nullptr);
  dist["cholesky_constant"] = B.constant;
  dist["cholesky_constant_a_priori"] = B.constant_plain;
  dist["cholesky_constant_kind"] = B.constant_blocked ? "blocked a-posteriori" : "a-priori";
  dist["radius_bound"] = B.radius;
  dist["factorizations"] = B.factorizations;
  dist["solves"] = B.solves;
  ntk::json::value secs = ntk::json::value::object();
  secs["load"] = t_load;
  secs["kernel"] = t_kernel;
  secs["pdpotrf"] = B.seconds_factor;
  secs["pdpotrs"] = B.seconds_solve;
  secs["other"] = B.seconds_other;
  dist["seconds"] = secs;
  ntk::json::value cpu = ntk::json::value::object();  // rank 0's process CPU time
  cpu["kernel"] = cpu_kernel;
  cpu["lambda_min"] = cpu_lambda;
  dist["cpu_seconds_rank0"] = cpu;
  dist["entries_rank0"] = static_cast<unsigned long>(entries_rank0);
  ntk::json::value ms = ntk::json::value::array();
  for (const auto& m : methods) ms.push_back(m);
  dist["gram_methods"] = ms;
  if (!B.note.empty()) dist["note"] = B.note;
  j["distributed"] = dist;
  j["attempts"] = certify::attempts_json(out.attempts);
  try {
    if (!cert_path.empty()) certify::write_ntk_certificate(cert_path, data, job, out);
    if (!json_path.empty()) certify::write_output(json_path, ntk::json::dump(j));
  } catch (const std::exception& e) {
    std::cerr << "certify-mpi: " << e.what() << "\n";
    return 2;
  }
  if (!quiet && json_path != "-") {
    std::ostringstream o;
    o << "data        " << data.source << "  (N = " << data.n << ", d = " << data.d
      << (job.prep.center ? ", centred" : "") << ", normalize " << ntk::normalization_name(job.prep.normalize)
      << ")\nmodel       ReLU NTK, depth " << job.depth << ", convention " << ntk::kernel_convention_name(job.convention)
      << "\nlambda_min  " << certify::bound_text(out.lower, out.upper) << "\n";
    if (out.exact_zero) o << "            = 0 exactly: " << out.exact_zero_reason << "\n";
    o << "status      " << (out.certified ? "CERTIFIED" : "NOT CERTIFIED");
    const double rw = ntk::relative_width(out.lower, out.upper);
    if (!out.exact_zero) o << "  (relative width " << fmt(rw, 3) << (out.certified ? " <= " : " > ") << "rtol " << job.rtol << ")";
    o << "\n";
    if (!out.exact_zero && std::isfinite(B.estimate)) {
      const bool inside = B.estimate >= out.lower && B.estimate <= out.upper;
      o << "estimate    " << fmt(B.estimate) << "  (inverse iteration, " << (inside ? "inside" : "OUTSIDE")
        << " the certified enclosure)\n";
    }
    o << "ranks       " << size << "  (grid " << pr << " x " << pc << ", blocks of " << nb << ")\n";
    o << "precision   53 bits (double tier), " << B.factorizations << " distributed Cholesky factorization(s)\n";
    o << "time        " << fmt(out.seconds, 3) << " s\n";
    std::cout << o.str();
  }
  return out.certified ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int rc = 2;
  try {
    rc = run(argc, argv, rank, size);
  } catch (const std::exception& e) {
    std::cerr << "certify-mpi: rank " << rank << ": internal error: " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  MPI_Finalize();
  return rc;
}
