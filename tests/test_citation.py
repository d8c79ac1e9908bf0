"""CITATION.cff: a CFF 1.2.0 file citing this toolkit at pyproject.toml's version, and the paper as the README
names it."""
import tomllib
import yaml
from root_layout import REPO


def citation() -> dict:
    return yaml.safe_load((REPO / "CITATION.cff").read_text())


def test_the_citation_file_is_cff_1_2_0_with_its_required_fields():
    cff = citation()
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert all(isinstance(cff[field], str) and cff[field] for field in ("message", "title", "license"))
    assert cff["authors"] and all(author.get("name") or author.get("family-names") for author in cff["authors"])


def test_the_toolkit_is_cited_at_the_version_pyproject_gives():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert citation()["version"] == project["version"] and citation()["license"] == project["license"]


def test_the_paper_is_cited_with_the_authors_and_title_of_the_readme():
    paper = next(reference for reference in citation()["references"] if reference["type"] == "conference-paper")
    readme = (REPO / "README.md").read_text()
    names = [f"{author['given-names']} {author['family-names']}" for author in paper["authors"]]
    assert len(names) == 5 and ", ".join(names) in readme, names
    assert paper["title"] in readme and paper["collection-title"] in readme
    assert paper["year"] == 2024 and paper["doi"] == "10.18653/v1/2024.findings-acl.335"
