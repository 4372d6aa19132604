// Writing result files so that a reader never sees a half-written file.
#pragma once

#include <stdexcept>
#include <string>

namespace ntk {

// A file could not be written; the message names the path and the system's reason.
struct io_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Replaces the file at path by text, atomically: the bytes go to a fresh temporary file in the same
// directory, which is flushed to disk (fsync) and then renamed over path. Afterwards path holds
// either its old contents (on failure) or exactly text; on failure the temporary file is removed
// and io_error is thrown. A new file gets mode 0666 minus the process umask; an existing file keeps
// its mode. path "-" writes text to standard output (flushed; io_error when the write fails).
void write_file_atomic(const std::string& path, const std::string& text);

// The whole file as bytes; io_error naming the path when it cannot be opened or read.
std::string read_file(const std::string& path);

}  // namespace ntk
