"""Write every regular automaton (docs/contract.md) as a .dot file into automata/dot/ here; reruns give identical bytes.

Random automata come from AALpy's generators seeded by crc32 of their name: letters a, b, ...; Moore outputs
o1, o2, ...; DFAs with n_states // 2 accepting states. Run as
`python -m stateclusters.automata.generate_dot_files [--out-dir DIR]`.
"""
import argparse
import random
import string
import zlib
from pathlib import Path

from aalpy.utils import generate_random_dfa, generate_random_moore_machine, save_automaton_to_file

from stateclusters.automata import DOT_DIR, RandomAutomatonSpec, random_automaton_specs, regular_automaton_names
from stateclusters.automata.handwritten import handwritten_builders

MAX_SEED_ATTEMPTS = 100


def input_letters(n_inputs: int) -> list[str]:
    return list(string.ascii_lowercase[:n_inputs])


def output_letters(n_outputs: int) -> list[str]:
    return [f'o{i}' for i in range(1, n_outputs + 1)]


def all_states_reachable(automaton) -> bool:
    initial = automaton.initial_state
    return all(automaton.get_shortest_path(initial, state) is not None for state in automaton.states)


def is_usable(automaton, n_states: int) -> bool:
    """Minimal, of the requested size, every state reachable (AALpy's generator tries but does not promise)."""
    return automaton.size == n_states and automaton.is_minimal() and all_states_reachable(automaton)


def _generate_with_aalpy(spec: RandomAutomatonSpec):
    if spec.kind == 'dfa':
        return generate_random_dfa(spec.n_states, input_letters(spec.n_inputs),
                                   num_accepting_states=spec.n_states // 2)
    return generate_random_moore_machine(spec.n_states, input_letters(spec.n_inputs),
                                         output_letters(spec.n_outputs))


def generate_random_automaton(spec: RandomAutomatonSpec):
    """AALpy's generator seeded with crc32(name), then crc32(name)+1, ... until the result is usable.

    Random DFAs have n_states // 2 accepting states; Moore machines use every output at least once.
    """
    first_seed = zlib.crc32(spec.name.encode())
    saved_random_state = random.getstate()  # AALpy draws from the global generator; leave it as we found it
    try:
        for seed in range(first_seed, first_seed + MAX_SEED_ATTEMPTS):
            random.seed(seed)
            automaton = _generate_with_aalpy(spec)
            if is_usable(automaton, spec.n_states):
                return automaton
    finally:
        random.setstate(saved_random_state)
    raise RuntimeError(f'no usable {spec.name} in {MAX_SEED_ATTEMPTS} seeds')


def build_regular_automaton(name: str):
    """The AALpy automaton behind a regular name, built from scratch (not read from its .dot file)."""
    builders = handwritten_builders()
    if name in builders:
        return builders[name]()
    specs = {spec.name: spec for spec in random_automaton_specs()}
    return generate_random_automaton(specs[name])


def dot_text(automaton, name: str) -> str:
    """AALpy's .dot serialisation, with the graph named after the automaton."""
    return save_automaton_to_file(automaton, path=name, file_type='string')


def write_dot_file(name: str, out_dir: Path) -> Path:
    """Build `name` and write it to `out_dir/name.dot`."""
    path = Path(out_dir) / f'{name}.dot'
    path.write_text(dot_text(build_regular_automaton(name), name), encoding='utf-8', newline='\n')
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', type=Path, default=DOT_DIR, help='where to write the .dot files')
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    names = regular_automaton_names()
    for name in names:
        write_dot_file(name, args.out_dir)
    print(f'wrote {len(names)} .dot files to {args.out_dir}')


if __name__ == '__main__':
    main()
