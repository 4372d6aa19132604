// certify check: not implemented yet (registers nothing).
