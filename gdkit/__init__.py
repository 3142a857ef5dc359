"""gdkit: the command-line umbrella over gdref, the grader and the deck generator."""
