// certify ntk: not implemented yet (registers nothing).
