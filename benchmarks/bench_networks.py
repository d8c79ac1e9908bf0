"""The two networks the evaluation benchmark times, cached in benchmarks/checkpoints/."""
from dataclasses import dataclass
from pathlib import Path

CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"


@dataclass(frozen=True)
class BenchNetwork:
    language: str
    rnn: str
    hidden: int
    labeling: str
    epochs: int   # training budget the first time (the shipped checkpoints were trained with these)

    @property
    def name(self) -> str:
        return f"{self.language}_{self.rnn}_1_{self.hidden}"


NETWORKS = (BenchNetwork("tomita3", "gru", 20, "regular", 40),
            BenchNetwork("CFG_L_14", "gru", 105, "stackless", 25))
