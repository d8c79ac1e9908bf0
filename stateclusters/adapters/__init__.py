"""Network adapters: the one way a network enters the evaluation (ALPHABET, classify, optional hidden_states)."""
