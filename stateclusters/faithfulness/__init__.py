"""Does the network use its states as the automaton does? Myhill–Nerode scores and interchange interventions."""
