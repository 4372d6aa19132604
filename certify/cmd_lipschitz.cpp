// certify lipschitz: not implemented yet (registers nothing).
