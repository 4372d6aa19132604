// certify compare: not implemented yet (registers nothing).
