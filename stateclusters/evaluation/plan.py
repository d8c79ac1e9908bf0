"""How one network is trained, and what its checkpoint records of that: written once for the driver, the small
experiment, the grid's solo and group training."""
from dataclasses import dataclass

from stateclusters.base.catalogue import TRAINING_WORDS
from stateclusters.protocol import Protocol


@dataclass(frozen=True)
class TrainingPlan:
    """One network's training: its language and repetition as recorded, seed, epochs, words and protocol."""
    language: str           # as the checkpoint records it (a registry name, or a .dot file)
    repetition: int
    seed: int
    epochs: int
    training_words: int = TRAINING_WORDS
    protocol: Protocol = Protocol()   # with its family's validation size (Protocol.for_family)

    @property
    def settings(self):
        """The networks.recurrent.TrainingConfig: epochs, seed, and early stop as the protocol has it."""
        return self.protocol.training_config(self.epochs, self.seed)

    def metadata(self) -> dict:
        """What a checkpoint records of its plan, before training adds its own (training.training_info)."""
        return {"language": self.language, "repetition": self.repetition, "epochs": self.epochs,
                "training_words": self.training_words, "validation_words": self.protocol.validation_words,
                **self.protocol.training_settings()}

    def words(self, automaton) -> tuple:
        """(training words, the validation words early stop watches) as WordSets, drawn from the seed."""
        # Imported here: the grid's jobs import this module while the runner parses its arguments, without AALpy.
        from stateclusters.words.sampling import training_words, validation_words
        return (training_words(automaton, self.seed, self.training_words, self.protocol),
                validation_words(automaton, self.seed, protocol=self.protocol))
