// certify kernel: not implemented yet (registers nothing).
