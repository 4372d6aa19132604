// Shared output helpers (atomic file writing, progress display): filled in with cmd_ntk.
