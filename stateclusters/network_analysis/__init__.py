"""A network brought by its user, analysed end to end: automaton learning where none is given, then the scores."""
