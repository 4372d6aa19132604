// certify sweep: not implemented yet (registers nothing).
