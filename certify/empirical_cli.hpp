// certify check's entry for empirical-NTK certificates (format "ntkcert-empirical-certificate"),
// defined in cmd_empirical.cpp: re-verifies the certificate at `path` (its text already read) and
// prints the verdict like the λ_min checker does. Returns the exit status (0 valid, 1 invalid,
// 2 malformed).
#pragma once

#include <string>

#include "certificate/checker.hpp"

namespace certify {

int run_empirical_check(const std::string& path, const std::string& text, const ntk::check_options& options, bool quiet,
                        const std::string& json_path);

}  // namespace certify
