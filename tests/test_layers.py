"""Imports go one way: the layer table of docs/architecture.md, checked against every import of the package."""
import ast
import re
from pathlib import Path

from root_layout import FACES, REPO, SCRIPTS

PACKAGE = REPO / "stateclusters"


def layer_table() -> dict[str, int]:
    """{folder: layer} from the table under the layers marker in docs/architecture.md."""
    text = (REPO / "docs" / "architecture.md").read_text()
    rows = text.split("<!-- layers:", 1)[1].split("\n\n", 1)[0]
    layers = {}
    for layer, folders in re.findall(r"^\| (\d+) \| ([^|]+) \|", rows, flags=re.M):
        for folder in re.findall(r"`(\w+)`", folders):
            layers[folder] = int(layer)
    return layers


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module an import statement in the file names, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def package_imports() -> dict[str, set[str]]:
    """{package module: the package modules it imports}."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {imported for imported in imported_modules(path) if imported in modules and imported != name}
            for name, path in modules.items()}


def unit(module: str) -> str | None:
    """The folder (or top-level module) of the package a module belongs to; None for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_folder_of_the_package_has_a_layer():
    units = {path.stem if path.is_file() else path.name for path in PACKAGE.iterdir()
             if (path.is_dir() and (path / "__init__.py").exists() or path.suffix == ".py")
             and path.name != "__init__.py"}
    assert units == set(layer_table())


def upward_imports(imports: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    return [f"{module} imports {imported}" for module, names in imports.items() for imported in names
            if unit(module) and unit(imported) and unit(module) != unit(imported)
            and layers[unit(imported)] >= layers[unit(module)]]


def test_imports_run_only_to_lower_layers():
    assert upward_imports(package_imports(), layer_table()) == []


def test_the_bottom_layer_imports_nothing_of_the_project():
    bottom = [module for module, layer in layer_table().items() if layer == 0]
    imports = package_imports()
    assert all(unit(imported) in bottom for module in imports if unit(module) in bottom for imported in imports[module])


def test_no_package_module_and_no_script_imports_a_script_or_a_face():
    # The faces are for readers of the paper's code; the installed package has neither them nor the scripts.
    files = list(PACKAGE.rglob("*.py")) + [REPO / f"{script}.py" for script in SCRIPTS]
    offenders = [f"{path.name} imports {name}" for path in files for name in imported_modules(path)
                 if name.split(".")[0] in {*SCRIPTS, *FACES}]
    assert offenders == []


def test_the_package_modules_import_one_another_without_a_cycle():
    imports = package_imports()
    finished, on_path = set(), []

    def visit(module):
        if module in on_path:
            raise AssertionError("import cycle: " + " -> ".join(on_path[on_path.index(module):] + [module]))
        if module in finished:
            return
        on_path.append(module)
        for imported in sorted(imports[module]):
            visit(imported)
        on_path.pop()
        finished.add(module)

    for module in sorted(imports):
        visit(module)


def test_the_layer_check_sees_an_upward_import_and_one_within_a_layer(tmp_path):
    offending = tmp_path / "offending.py"
    offending.write_text("def late():\n    from stateclusters.grid.jobs import JobSpec\n")
    imports = {"stateclusters.networks.offending": imported_modules(offending) & {"stateclusters.grid.jobs"},
               "stateclusters.clustering.functions": {"stateclusters.ambiguity.scores"},
               "stateclusters.grid.jobs": {"stateclusters.networks.recurrent"}}
    assert upward_imports(imports, layer_table()) == [
        "stateclusters.networks.offending imports stateclusters.grid.jobs",
        "stateclusters.clustering.functions imports stateclusters.ambiguity.scores"]
