"""Empty is empty, everywhere: Streamlit draws a missing value of a table as «None» unless the
table says otherwise, so every st.dataframe and st.data_editor of the screens passes
placeholder="" (a new table that forgets it fails here)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_table_of_the_screens_shows_a_missing_value_as_empty():
    missing = []
    for path in sorted([*ROOT.glob("pages/**/*.py"), *ROOT.glob("services/**/*.py"), *ROOT.glob("ui/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("dataframe", "data_editor")
                    and not any(k.arg == "placeholder" for k in node.keywords)):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not missing, "tables that would show «None» for an empty cell: " + ", ".join(missing)
