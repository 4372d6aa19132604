#include "command_options.hpp"

namespace certify {

command hermite_command(hermite_args& a) {
  command c("hermite",
            "Hermite coefficients mu_r of ReLU (sigma) or of its derivative, the step function, in the\n"
            "orthonormal Hermite basis h_r = He_r/sqrt(r!), and c_r = 2 mu_r^2, the coefficients of\n"
            "kappa1(rho) = sum_r c_r rho^r (relu) and kappa0(rho) (step). For r = 0..R: the exact c_r\n"
            "(a rational times a power of pi, e.g. 1/(24*pi)), certified enclosures of mu_r and c_r at\n"
            "the requested precision (rounded outward; exact zeros are the point 0), and the partial sum\n"
            "S_R = sum_{r<=R} c_r with the tail mass 1 - S_R, which bounds the truncation error of the\n"
            "series on [-1, 1]. Exact forms are listed for r <= 1000 (every r with --exact).");
  c.choice("activation", a.activation, {"relu", "step"}, "relu gives kappa1, step (sigma') gives kappa0");
  c.whole("order", a.order, "R", 0, max_order, "highest order r");
  c.whole("precision", a.precision, "BITS", 2, 1000000, "precision of the enclosures in bits");
  c.flag("exact", a.exact, "exact forms for every order (--order up to " + std::to_string(max_exact_order) + ")");
  add_output_options(c, a.output);
  return c;
}

command check_command(check_args& a) {
  command c("check",
      "Re-verifies the claim lower <= lambda_min <= upper of a certificate written by\n"
      "'certify ntk --certificate PATH', from the data file it names (a relative data.source is\n"
      "looked up in the current directory, then next to the certificate) and by a code path of\n"
      "its own: the kernel is recomputed in MPFI at a higher precision, the lower bound is proved\n"
      "by an exact LDL^T (up to 100 points) or a verified MPFR Cholesky of the shifted midpoint\n"
      "matrix, the upper bound by an outward-rounded Rayleigh quotient (or exactly, for lambda_min = 0\n"
      "from proportional rows).\n\n"
      "Exit status: 0 valid; 1 invalid (the reason is printed); 2 malformed certificate or\n"
      "unreadable data.");
  c.positional("CERTIFICATE", a.certificate, "the certificate file").required();
  c.whole("precision", a.precision, "BITS", 64, 1L << 20, "minimum working precision of the recomputed kernel");
  c.choice("method", a.method, {"auto", "exact", "floating"}, "positivity test: exact LDL^T, verified Cholesky, or by size");
  add_output_options(c, a.output);
  return c;
}

}  // namespace certify
