// certify hermite: not implemented yet (registers nothing).
