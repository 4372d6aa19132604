// certify empirical: not implemented yet (registers nothing).
